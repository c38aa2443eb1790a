"""Placing a bid: checked, decided by the engine, made durable, then announced.

The order matters: no bidder hears "accepted", and no viewer sees a price, before the bid is
stored in PostgreSQL. The socket path (`bid_place`) is async and joins its bid to the process's
group commit; the API path (`bid_place_sync`) stores its bid on its own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import psycopg
from channels.db import database_sync_to_async
from django.db import DatabaseError
from redis.exceptions import RedisError

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound, RateLimited
from tokshop.realtime.groups import show_group
from tokshop.realtime.hub import get_hub
from tokshop.realtime.streams import publish, publish_to_user

from .. import rules
from ..broadcast import bid_broadcast
from ..engine import MISSING, engine
from ..events import bid_placed_payload, display_name, display_name_cached, next_minimum
from ..meta import AuctionMeta, auction_meta, auction_meta_cached
from ..models import Bid, BidSource
from ..rules import Outcome
from .auctions import MAX_AMOUNT_CENTS, auction_engine_load, auction_finish
from .durable import BidRecord, bid_writer, bids_persist
from .eligibility import bidder_check_cached, bidder_known_eligible

REF_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

REFUSALS: dict[str, tuple[int, str]] = {
    rules.TOO_LOW: (409, "Too low: bid at least the next minimum."),
    rules.NOT_OPEN: (409, "This auction has not opened yet."),
    rules.ENDED: (409, "This auction has ended."),
    rules.CONFIRM_REQUIRED: (409, "That is five times the price or more: confirm the bid to place it."),
    rules.MAX_BELOW_PRICE: (409, "You lead already: a new max cannot be below the current price."),
    rules.BUY_NOW_UNAVAILABLE: (409, "Buy it now is no longer available on this auction."),
}


@dataclass(frozen=True)
class BidRequest:
    user_id: int
    auction_id: int
    amount: int
    ref: str
    received_ms: int
    confirm: bool
    source: str

    @property
    def is_buy_now(self) -> bool:
        return self.amount == 0


@dataclass(frozen=True)
class BidResult:
    outcome: Outcome
    meta: AuctionMeta
    your_max: int

    def reply(self) -> dict[str, Any]:
        """What the bidder is told: their standing, privately (their max is theirs alone)."""
        o = self.outcome
        return {
            "auction_id": self.meta.id,
            "bid_count": o.seq,
            "price_cents": o.price,
            "leading": o.code in (rules.LEADING, rules.BOUGHT),
            "outcome": o.code,
            "your_max_cents": self.your_max,
            "ends_at": o.ends_at,
            "next_minimum_cents": next_minimum(
                starting=self.meta.starting_cents, increments=self.meta.increment_table, price=o.price, has_leader=True
            ),
            "replayed": o.replayed,
        }


def bid_request(
    *,
    user_id: int,
    auction_id: Any,
    amount: Any,
    ref: Any,
    received_ms: int,
    confirm: Any = False,
    source: str,
    buy_now: bool = False,
) -> BidRequest:
    """A bid's fields checked as a client sent them: whole positive cents, a ref, nothing else trusted."""
    if isinstance(auction_id, bool) or not isinstance(auction_id, int) or auction_id < 1:
        raise ApplicationError(
            INVALID_FIELDS, code="invalid_bid", fields={"auction_id": ["Send the auction's id as a number."]}
        )
    if not isinstance(ref, str) or not REF_PATTERN.match(ref):
        raise ApplicationError(
            INVALID_FIELDS,
            code="invalid_bid",
            fields={"ref": ["Send a ref of 1 to 64 letters, digits, '-', '_', '.' or ':'."]},
        )
    if buy_now:
        cents = 0
    elif (
        isinstance(amount, bool)
        or not isinstance(amount, int | float)
        or (isinstance(amount, float) and not math.isfinite(amount))
        or (isinstance(amount, float) and not amount.is_integer())
    ):
        raise ApplicationError(
            INVALID_FIELDS, code="invalid_amount", fields={"amount_cents": ["Send the amount in whole cents."]}
        )
    elif not 1 <= amount <= MAX_AMOUNT_CENTS:
        raise ApplicationError(
            INVALID_FIELDS, code="invalid_amount", fields={"amount_cents": ["From 1 cent to $100,000."]}
        )
    else:
        cents = int(amount)
    return BidRequest(
        user_id=user_id,
        auction_id=auction_id,
        amount=cents,
        ref=ref,
        received_ms=received_ms,
        confirm=confirm is True,
        source=source if source in BidSource.values else BidSource.API,
    )


def _engine_kwargs(request: BidRequest) -> dict[str, Any]:
    return {
        "bidder": request.user_id,
        "amount": request.amount,
        "ref": request.ref,
        "now": request.received_ms,
        "confirm": request.confirm,
        "source": request.source,
    }


def _refuse(outcome: Outcome, meta: AuctionMeta) -> ApplicationError:
    if outcome.code == rules.RATE_LIMITED:
        return RateLimited("Slow down: you are bidding too fast.", retry_after=1)
    status, message = REFUSALS[outcome.code]
    extra: dict[str, Any] = {"auction_id": meta.id, "price_cents": outcome.price}
    if outcome.code == rules.TOO_LOW:
        extra["next_minimum_cents"] = outcome.minimum
    if outcome.code == rules.CONFIRM_REQUIRED:
        extra["confirm_amount_cents"] = outcome.minimum
    return ApplicationError(message, code=outcome.code, status=status, extra=extra)


def _record(request: BidRequest, outcome: Outcome) -> BidRecord:
    return BidRecord(
        auction_id=request.auction_id,
        seq=outcome.seq,
        bidder=request.user_id,
        max_cents=outcome.price if request.is_buy_now else request.amount,
        price_cents=outcome.price,
        leader=outcome.leader,
        ref=request.ref,
        received_ms=request.received_ms,
        ends_ms=outcome.ends_at,
        extensions=outcome.extensions,
        is_buy_now=request.is_buy_now,
        source=request.source,
    )


NOT_RECORDED = "Your bid could not be recorded: place it again."
# The engine or the database out of reach for a moment (a restart, a failover): the bid may have
# been decided but is not confirmed, so its bidder is told to place it again; the same ref then
# gets its first answer if it was taken.
UNREACHABLE = (RedisError, DatabaseError, psycopg.Error, OSError)


def _unrecorded() -> ApplicationError:
    return ApplicationError(NOT_RECORDED, code="bid_not_recorded", status=503)


def _placed_max(request: BidRequest, outcome: Outcome) -> int:
    """The max the bid was placed with: a repeated ref may carry another amount, but it answers for
    the bid first placed under it."""
    if not outcome.replayed:
        return _record(request, outcome).max_cents
    return Bid.objects.values_list("max_cents", flat=True).get(auction_id=request.auction_id, seq=outcome.seq)


def _outbid_payload(result: BidResult) -> dict[str, Any]:
    return {
        "auction_id": result.meta.id,
        "price_cents": result.outcome.price,
        "leader_name": "",
        "next_minimum_cents": result.reply()["next_minimum_cents"],
    }


def _extended_payload(result: BidResult) -> dict[str, Any]:
    return {"auction_id": result.meta.id, "ends_at": result.outcome.ends_at, "extensions": result.outcome.extensions}


async def _payload_async(meta: AuctionMeta, outcome: Outcome) -> dict[str, Any]:
    if display_name_cached(outcome.leader) is None:
        await database_sync_to_async(display_name)(outcome.leader)
    return bid_placed_payload(
        meta, price=outcome.price, leader=outcome.leader, count=outcome.seq, ends_at=outcome.ends_at
    )


def _in_show(meta: AuctionMeta, show_id: int | None) -> AuctionMeta:
    if show_id is not None and meta.show_id != show_id:
        raise NotFound("No such auction in this show.", code="auction_not_found")
    return meta


async def bid_place(request: BidRequest, *, show_id: int | None = None) -> BidResult:
    """Place a bid from the room's socket (of `show_id`): answered once it is durable, announced after."""
    # The per-process caches answer without leaving the event loop after a bidder's first bid.
    meta = auction_meta_cached(request.auction_id) or await database_sync_to_async(auction_meta)(request.auction_id)
    _in_show(meta, show_id)
    if not bidder_known_eligible(user_id=request.user_id, meta=meta):
        await database_sync_to_async(bidder_check_cached)(user_id=request.user_id, meta=meta)
    kwargs = _engine_kwargs(request)
    try:
        outcome = await engine().bid(request.auction_id, **kwargs)
        if outcome.code == MISSING:
            await database_sync_to_async(auction_engine_load)(auction_id=request.auction_id)
            outcome = await engine().bid(request.auction_id, **kwargs)
        if not outcome.accepted:
            raise _refuse(outcome, meta)
        stored = await bid_writer().persist(_record(request, outcome))
    except UNREACHABLE as error:
        raise _unrecorded() from error
    if not stored:
        raise Conflict(NOT_RECORDED, code="bid_not_recorded")
    your_max = (
        await database_sync_to_async(_placed_max)(request, outcome)
        if outcome.replayed
        else _record(request, outcome).max_cents
    )
    result = BidResult(outcome, meta, your_max)
    if outcome.replayed:
        return result
    broadcast = bid_broadcast()
    broadcast.push(
        show_id=meta.show_id,
        auction_id=meta.id,
        count=outcome.seq,
        payload=await _payload_async(meta, outcome),
    )
    if outcome.extended:
        broadcast.soon(get_hub().publish(show_group(meta.show_id), "auction.extended", _extended_payload(result)))
    if outcome.displaced:
        # This bidder's answer does not wait on the notice to the bidder they displaced: on a hot
        # auction nearly every bid displaces one.
        notice = _outbid_payload(result)
        broadcast.soon(get_hub().publish_to_user(show_group(meta.show_id), outcome.displaced, "bid.outbid", notice))
    if outcome.code == rules.BOUGHT:
        await database_sync_to_async(auction_finish)(auction_id=meta.id)
    return result


def bid_place_sync(request: BidRequest) -> BidResult:
    """Place a bid from the API: the same rules and order, stored on its own."""
    meta = auction_meta(request.auction_id)
    bidder_check_cached(user_id=request.user_id, meta=meta)
    kwargs = _engine_kwargs(request)
    try:
        outcome = engine().bid_sync(request.auction_id, **kwargs)
        if outcome.code == MISSING:
            auction_engine_load(auction_id=request.auction_id)
            outcome = engine().bid_sync(request.auction_id, **kwargs)
        if not outcome.accepted:
            raise _refuse(outcome, meta)
        record = _record(request, outcome)
        stored = (record.auction_id, record.seq) in bids_persist([record])
    except UNREACHABLE as error:
        raise _unrecorded() from error
    if not stored:
        raise Conflict(NOT_RECORDED, code="bid_not_recorded")
    result = BidResult(outcome, meta, _placed_max(request, outcome))
    if outcome.replayed:
        return result
    publish(
        show_group(meta.show_id),
        "bid.placed",
        bid_placed_payload(
            meta, price=outcome.price, leader=outcome.leader, count=outcome.seq, ends_at=outcome.ends_at
        ),
    )
    if outcome.extended:
        publish(show_group(meta.show_id), "auction.extended", _extended_payload(result))
    if outcome.displaced:
        publish_to_user(show_group(meta.show_id), outcome.displaced, "bid.outbid", _outbid_payload(result))
    if outcome.code == rules.BOUGHT:
        auction_finish(auction_id=meta.id)
    return result
