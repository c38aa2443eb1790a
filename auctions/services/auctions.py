"""An auction's life: made on a lineup product, opened, closed at its end (once), or cancelled."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shows.events import show_event
from shows.models import LineupItem, ShowStatus
from shows.services.room_checks import on_air_check, show_lock, staff_check
from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound
from tokshop.realtime.watermark import wait_handled_through

from .. import rules
from ..clock import HANDLED_WAIT_MS, IN_FLIGHT, IN_FLIGHT_MS, auction_clock_set
from ..engine import Loaded, engine
from ..events import auction_with_product
from ..increments import increments_validate
from ..models import (
    Auction,
    AuctionEvent,
    AuctionEventKind,
    AuctionMode,
    AuctionOutcome,
    AuctionStatus,
    Bid,
    Eligibility,
    SellerAuctionDefaults,
)
from ..selectors import auction_view, increments_for_seller
from ..signals import auction_closed
from .durable import auction_lock_exclusive, bids_persist, ms_to_datetime

if TYPE_CHECKING:
    from tokshop.users.models import User

# Above this a price is a typing slip, not a bid ($100,000).
MAX_AMOUNT_CENTS = 10_000_000
MAX_EXTENSIONS = 50
MAX_HARD_STOP_SECONDS = 600


def now_ms() -> int:
    return int(time.time() * 1000)


def _int(data: dict[str, Any], name: str, default: int | None, low: int, high: int, message: str) -> int | None:
    value = data.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApplicationError(INVALID_FIELDS, fields={name: [message]})
    return value


def _choice(data: dict[str, Any], name: str, choices: type[Any], default: str) -> str:
    value = data.get(name, default)
    if value not in choices.values:
        raise ApplicationError(INVALID_FIELDS, fields={name: [f"Choose one of: {', '.join(choices.values)}."]})
    return str(value)


def auction_settings_clean(data: dict[str, Any]) -> dict[str, Any]:
    """An auction's rules from a request, each checked, with the defaults for those not given."""
    starting = _int(data, "starting_cents", 100, 1, MAX_AMOUNT_CENTS, "From 1 cent to $100,000.") or 100
    cleaned: dict[str, Any] = {
        "starting_cents": starting,
        "duration_seconds": _int(data, "duration_seconds", 20, 5, 300, "From 5 to 300 seconds."),
        "mode": _choice(data, "mode", AuctionMode, AuctionMode.SOFT_CLOSE),
        "window_seconds": _int(data, "window_seconds", 10, 5, 20, "From 5 to 20 seconds."),
        "max_extensions": _int(data, "max_extensions", 10, 0, MAX_EXTENSIONS, f"From 0 to {MAX_EXTENSIONS}."),
        "hard_stop_seconds": _int(
            data, "hard_stop_seconds", 120, 0, MAX_HARD_STOP_SECONDS, f"From 0 to {MAX_HARD_STOP_SECONDS} seconds."
        ),
        "eligibility": _choice(data, "eligibility", Eligibility, Eligibility.EVERYONE),
        "reserve_cents": _int(
            data, "reserve_cents", None, starting, MAX_AMOUNT_CENTS, "At least the starting price, at most $100,000."
        ),
        "buy_now_cents": _int(
            data, "buy_now_cents", None, starting + 1, MAX_AMOUNT_CENTS, "Above the starting price, at most $100,000."
        ),
        "allow_prebids": bool(data.get("allow_prebids", False)),
    }
    reserve, buy_now = cleaned["reserve_cents"], cleaned["buy_now_cents"]
    if reserve is not None and buy_now is not None and buy_now < reserve:
        raise ApplicationError(INVALID_FIELDS, fields={"buy_now_cents": ["At least the reserve price."]})
    return cleaned


def _record(auction: Auction, kind: str, *, actor: User | None = None, note: str = "", **data: Any) -> None:
    AuctionEvent.objects.create(auction=auction, kind=kind, actor=actor, note=note[:300], data=data)


def _ms(value: Any) -> int:
    return int(value.timestamp() * 1000) if value is not None else 0


def auction_rules(auction: Auction) -> rules.Rules:
    """The rules the engine applies to the auction, from what it was set up with."""
    return rules.Rules(
        starting=auction.starting_cents,
        increments=auction.increments,
        soft_close=auction.mode == AuctionMode.SOFT_CLOSE,
        window_ms=auction.window_seconds * 1000,
        max_extensions=auction.max_extensions,
        reserve=auction.reserve_cents or 0,
        buy_now=auction.buy_now_cents or 0,
        prebids=auction.allow_prebids,
    )


def _loaded(auction: Auction) -> Loaded:
    """The engine's state rebuilt from the durable copy: the auction row and its bids."""
    bids = list(Bid.objects.filter(auction=auction).order_by("seq"))
    maxes: dict[int, int] = {}
    refs: dict[tuple[int, str], rules.Outcome] = {}
    leader = 0
    for bid in bids:
        maxes[bid.bidder_id] = bid.max_cents
        code = rules.BOUGHT if bid.is_buy_now else rules.LEADING if bid.leader_id == bid.bidder_id else rules.OUTBID
        refs[(bid.bidder_id, bid.client_ref)] = rules.Outcome(
            code,
            seq=bid.seq,
            price=bid.price_cents,
            leader=bid.leader_id,
            ends_at=_ms(bid.ends_at),
            displaced=leader if leader != bid.leader_id else 0,
        )
        leader = bid.leader_id
    last = bids[-1] if bids else None
    bought_now = bool(last and last.is_buy_now)
    return Loaded(
        rules=auction_rules(auction),
        status=AuctionStatus.CLOSED if bought_now else auction.status,
        price=last.price_cents if last else 0,
        leader=last.leader_id if last else 0,
        count=last.seq if last else 0,
        ends_at=_ms(last.ends_at if last and last.ends_at else auction.ends_at),
        hard_stop=_ms(auction.hard_stop_at),
        extensions=max(auction.extensions, 0),
        maxes=maxes,
        refs=refs,
        bought_now=bought_now,
    )


def auction_engine_load(*, auction_id: int) -> bool:
    """Give the engine the auction's state from PostgreSQL if it has none (a Redis restart, a new auction).

    The exclusive advisory lock waits for any batch of bids still being written, so the state
    read here includes every bid confirmed so far.
    """
    with transaction.atomic():
        auction_lock_exclusive(auction_id)
        auction = Auction.objects.filter(pk=auction_id).first()
        if auction is None:
            raise NotFound("No such auction.", code="auction_not_found")
        return engine().load(auction_id, _loaded(auction))


def _lineup_product(show_id: int, product_id: Any) -> tuple[int, str]:
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise ApplicationError(INVALID_FIELDS, fields={"product_id": ["Send the product's id as a number."]})
    item = LineupItem.objects.filter(show_id=show_id, product_id=product_id).select_related("product").first()
    if item is None:
        raise NotFound("That product is not in this show's lineup.", code="not_in_lineup")
    if not item.product.is_active:
        raise Conflict(f"{item.product.title} is no longer sold.", code="not_sold")
    if item.product.quantity_available < 1:
        raise Conflict(f"{item.product.title} is sold out.", code="sold_out")
    return item.product.pk, item.product.currency


@transaction.atomic
def auction_create(*, actor: User, show_id: int, product_id: Any, data: dict[str, Any], open_now: bool) -> Auction:
    """Put a lineup product up for auction: open now (the show on air), or waiting, taking pre-bids if allowed."""
    show = show_lock(show_id)
    staff_check(actor=actor, show=show)
    cleaned = auction_settings_clean(data)
    product_pk, currency = _lineup_product(show.pk, product_id)
    if show.status in (ShowStatus.ENDED, ShowStatus.CANCELLED, ShowStatus.ERROR):
        raise Conflict("The show is over.", code="show_over")
    if open_now:
        on_air_check(show)
        _no_open_auction(show.pk)
    elif Auction.objects.running().filter(show=show, product_id=product_pk).exists():
        raise Conflict("That product already has an auction waiting in this show.", code="auction_exists")
    auction = Auction.objects.create(
        show=show,
        product_id=product_pk,
        seller_id=show.seller_id,
        currency=currency,
        created_by=actor,
        **cleaned,
        increments=increments_for_seller(seller_id=show.seller_id),
    )
    _record(auction, AuctionEventKind.CREATED, actor=actor, **{k: v for k, v in cleaned.items() if v is not None})
    engine().load(auction.pk, _loaded(auction))
    if open_now:
        return _open(auction, actor=actor)
    view = auction_view(auction_with_product(auction.pk))
    show_event(show.pk, "auction.created", {"auction": view})
    return auction


def _no_open_auction(show_id: int) -> None:
    if Auction.objects.open().filter(show_id=show_id).exists():
        raise Conflict("Another auction is running in this show: wait for it to close.", code="auction_running")


def _open(auction: Auction, *, actor: User) -> Auction:
    hard_stop_ms = auction.hard_stop_seconds * 1000
    ends = engine().open(
        auction.pk, now=now_ms(), duration_ms=auction.duration_seconds * 1000, hard_stop_after_ms=hard_stop_ms
    )
    if ends is None:
        raise Conflict("This auction is not waiting to open.", code="not_waiting")
    auction.status = AuctionStatus.OPEN
    auction.opened_at = timezone.now()
    auction.ends_at = ms_to_datetime(ends)
    auction.hard_stop_at = ms_to_datetime(ends + hard_stop_ms)
    auction.save(update_fields=["status", "opened_at", "ends_at", "hard_stop_at"])
    _record(auction, AuctionEventKind.OPENED, actor=actor, ends_at=ends)
    assert auction.ends_at is not None
    auction_clock_set(auction_id=auction.pk, at=auction.ends_at)
    fresh = auction_with_product(auction.pk)
    show_event(auction.show_id, "auction.opened", {"auction": auction_view(fresh)})
    return fresh


@transaction.atomic
def auction_open(*, actor: User, auction_id: int) -> Auction:
    """Start the countdown of an auction that was waiting (with its pre-bids, if it took any)."""
    auction = _auction_lock(auction_id)
    show = show_lock(auction.show_id)
    staff_check(actor=actor, show=show)
    on_air_check(show)
    if auction.status != AuctionStatus.SCHEDULED:
        raise Conflict("This auction is not waiting to open.", code="not_waiting")
    _no_open_auction(show.pk)
    if engine().live(auction.pk) is None:
        engine().load(auction.pk, _loaded(auction))
    return _open(auction, actor=actor)


def _auction_lock(auction_id: int) -> Auction:
    auction = Auction.objects.select_for_update().filter(pk=auction_id).first()
    if auction is None:
        raise NotFound("No such auction.", code="auction_not_found")
    return auction


@transaction.atomic
def auction_cancel(*, actor: User, auction_id: int) -> Auction:
    """Withdraw an auction before its first bid."""
    auction = _auction_lock(auction_id)
    staff_check(actor=actor, show=auction.show)
    if auction.is_finished:
        raise Conflict("This auction is over.", code="auction_over")
    if engine().live(auction.pk) is None:
        engine().load(auction.pk, _loaded(auction))
    if not engine().cancel(auction.pk):
        raise Conflict("Bids are in: the auction can no longer be cancelled.", code="has_bids")
    auction.status = AuctionStatus.CANCELLED
    auction.closed_at = timezone.now()
    auction.save(update_fields=["status", "closed_at"])
    _record(auction, AuctionEventKind.CANCELLED, actor=actor)
    show_event(auction.show_id, "auction.cancelled", {"auction_id": auction.pk})
    return auction


def auction_close_due(*, auction_id: int) -> bool:
    """Close the auction if its time is up, and record the result; True for the one call that did.

    Run by the clock at the end it last knew: an end moved by a soft close sets the clock again.
    Safe to run any number of times, from any process.
    """
    live = engine().live(auction_id)
    if live is None:
        if not Auction.objects.open().filter(pk=auction_id).exists():
            return False
        auction_engine_load(auction_id=auction_id)
        live = engine().live(auction_id)
        if live is None:
            return False
    if live.status == AuctionStatus.OPEN and live.ends_at <= now_ms():
        # Bids read before the end may still be queued in a busy server process (a bid storm).
        wait_handled_through(live.ends_at, longest_ms=HANDLED_WAIT_MS)
    if live.status == AuctionStatus.OPEN and not engine().close(auction_id, now=now_ms() - IN_FLIGHT_MS):
        live = engine().live(auction_id)
        if live is not None and live.status == AuctionStatus.OPEN:
            auction_clock_set(auction_id=auction_id, at=ms_to_datetime(live.ends_at) or timezone.now())
            return False
    return auction_finish(auction_id=auction_id)


def auctions_close_overdue() -> int:
    """Close every open auction past its end (behind clock tasks that were lost); returns how many."""
    due = Auction.objects.open().filter(ends_at__lte=timezone.now() - IN_FLIGHT).values_list("pk", flat=True)
    return sum(auction_close_due(auction_id=pk) for pk in list(due))


def auction_finish(*, auction_id: int) -> bool:
    """Record the result of an auction the engine has closed (its time up, or bought now), once."""
    live = engine().live(auction_id)
    if live is None or live.status != AuctionStatus.CLOSED:
        return False
    # Every bid the engine took is stored before the result is, so the history behind it is whole.
    bids_persist(engine().logged(auction_id))
    with transaction.atomic():
        auction = _auction_lock(auction_id)
        if auction.status != AuctionStatus.OPEN:
            return False
        if live.bought_now:
            outcome = AuctionOutcome.BOUGHT_NOW
        elif not live.leader:
            outcome = AuctionOutcome.NO_BIDS
        elif auction.reserve_cents is not None and live.price < auction.reserve_cents:
            outcome = AuctionOutcome.RESERVE_NOT_MET
        else:
            outcome = AuctionOutcome.SOLD
        sold = outcome in (AuctionOutcome.SOLD, AuctionOutcome.BOUGHT_NOW)
        auction.status = AuctionStatus.CLOSED
        auction.closed_at = timezone.now()
        auction.outcome = outcome
        auction.price_cents = live.price
        auction.leader_id = live.leader or None
        auction.bid_count = max(auction.bid_count, live.count)
        auction.ends_at = ms_to_datetime(live.ends_at)
        if live.bought_now:
            # Bought at its own receipt, which may come before that of a bid the engine took first
            # (bids are timed when read, decided in the order they reach it): the end recorded
            # stays after every bid taken.
            bids = Bid.objects.filter(auction_id=auction_id, is_buy_now=False)
            latest = bids.aggregate(latest=Max("received_at"))["latest"]
            if latest is not None and auction.ends_at is not None and latest >= auction.ends_at:
                auction.ends_at = latest + timedelta(milliseconds=1)
        auction.extensions = live.extensions
        auction.winner_id = live.leader if sold else None
        auction.winning_cents = live.price if sold else None
        auction.save()
        _record(
            auction,
            AuctionEventKind.BOUGHT_NOW if live.bought_now else AuctionEventKind.CLOSED,
            note=auction.get_outcome_display(),
            outcome=outcome,
            price_cents=live.price,
            bids=live.count,
            winner_id=auction.winner_id,
        )
        show_event(
            auction.show_id,
            "auction.closed",
            {
                "auction_id": auction.pk,
                "outcome": outcome,
                "price_cents": live.price,
                "bid_count": live.count,
                "winner_name": auction.winner.display_name if auction.winner else "",
                "ends_at": live.ends_at,
            },
        )
        transaction.on_commit(lambda: auction_closed.send(sender=Auction, auction_id=auction_id), robust=True)
    return True


def increments_set(*, seller: User, table: Any) -> SellerAuctionDefaults:
    """Replace the seller's increment table for the auctions they make from now on."""
    from django.core.exceptions import ValidationError

    if not seller.is_seller:
        raise ApplicationError("Only sellers run auctions.", code="not_seller", status=403)
    try:
        rows = increments_validate(table)
    except ValidationError as error:
        raise ApplicationError(INVALID_FIELDS, fields={"increments": list(error.messages)}) from None
    defaults, _ = SellerAuctionDefaults.objects.update_or_create(seller=seller, defaults={"increments": rows})
    return defaults
