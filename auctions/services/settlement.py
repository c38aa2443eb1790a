"""Settlement: what follows a close. The lot is offered to the winner at the hammer price, its order
made through commerce and charged to their saved card; if they cannot or do not pay, a second chance
goes down the bidders, each at their own highest bid, until someone pays or nobody is left.

Every step runs with the auction's row locked (`select_for_update`), so two steps of one auction
(a charge's answer, the expiry sweep, a buyer's accept) never interleave; the database's
`offer_one_live_per_auction` constraint backs that up: one lot is never sold twice. Each step
writes an `AuctionEvent`, the seller's audit trail.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from commerce.models import Order
from commerce.services.line_orders import order_create_for_line
from commerce.services.orders import order_cancel_unpaid
from commerce.services.payments import order_charge_saved_card
from commerce.templatetags.commerce_tags import money
from shows.services.stats import show_stats_add_order
from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create
from tokshop.users.models import User

from ..models import (
    Auction,
    AuctionEvent,
    AuctionEventKind,
    AuctionOffer,
    AuctionOutcome,
    AuctionStatus,
    Bid,
    BidderStrike,
    OfferStatus,
)
from ..models.settlement import OFFER_OPEN

SOLD_OUTCOMES = (AuctionOutcome.SOLD, AuctionOutcome.BOUGHT_NOW)
# commerce's refusals that mean "no card to charge off-session": the buyer pays on the order page.
NO_SAVED_CARD = frozenset({"no_saved_card", "stripe_not_configured"})
# A charge task still charging after this was lost (a broker restart): the sweep sends it again.
CHARGE_STALE_AFTER = timedelta(minutes=5)
# The close's signal is sent after commit; if its task is lost, the sweep starts the settlement.
START_STALE_AFTER = timedelta(minutes=1)


def pay_window() -> timedelta:
    return timedelta(minutes=settings.AUCTION_PAY_WINDOW_MINUTES)


def second_chance_window() -> timedelta:
    return timedelta(minutes=settings.AUCTION_SECOND_CHANCE_MINUTES)


def _event(
    auction: Auction, kind: str, *, offer: AuctionOffer | None = None, actor: User | None = None, note: str = ""
) -> AuctionEvent:
    data: dict[str, Any] = {}
    if offer is not None:
        data = {
            "offer_id": offer.pk,
            "rank": offer.rank,
            "buyer_id": offer.buyer_id,
            "amount_cents": offer.amount_cents,
            "order_id": offer.order_id,
        }
    return AuctionEvent.objects.create(auction=auction, kind=kind, actor=actor, note=note[:300], data=data)


# Only the row itself is locked (`of=("self",)`): a lock on the joined product or user rows would
# meet commerce's stock updates and order locks in the other order, and deadlock.
def _auction_lock(auction_id: int) -> Auction:
    return Auction.objects.select_for_update(of=("self",)).select_related("product").get(pk=auction_id)


def _offer_lock(offer_id: int) -> AuctionOffer:
    return AuctionOffer.objects.select_for_update(of=("self",)).select_related("buyer").get(pk=offer_id)


def _notify(offer: AuctionOffer, auction: Auction, *, title: str, body: str) -> None:
    notification_create(
        user=offer.buyer, kind=NotificationKind.ORDERS, title=title, body=body, url=offer.get_absolute_url()
    )


def _price(offer: AuctionOffer, auction: Auction) -> str:
    return money(offer.amount_cents, auction.currency)


@transaction.atomic
def settlement_start(*, auction_id: int) -> AuctionOffer | None:
    """Offer a closed, sold auction's lot to its winner at the hammer price, and charge them.

    Idempotent: the winner's offer is made once; None when the auction has nothing to settle.
    """
    auction = _auction_lock(auction_id)
    if auction.status != AuctionStatus.CLOSED or auction.outcome not in SOLD_OUTCOMES or auction.winner_id is None:
        return None
    existing = auction.offers.filter(rank=1).first()
    if existing is not None:
        return existing
    offer = AuctionOffer.objects.create(
        auction=auction,
        buyer_id=auction.winner_id,
        rank=1,
        amount_cents=auction.winning_cents or auction.price_cents,
        status=OfferStatus.CHARGING,
    )
    _event(auction, AuctionEventKind.OFFERED, offer=offer, note=f"Won at {_price(offer, auction)}")
    _offer_order_or_settle(auction, offer)
    return offer


def _offer_order(auction: Auction, offer: AuctionOffer, *, shipping: dict[str, Any] | None) -> None:
    """Make the offer's order (one unit at the offer's price) and send its charge after commit.

    commerce's refusals go to the caller; being atomic, it leaves nothing behind when refused.
    """
    order = order_create_for_line(
        buyer=offer.buyer,
        product_id=auction.product_id,
        quantity=1,
        unit_price_cents=offer.amount_cents,
        source=f"Auction {auction.pk} in show {auction.show_id}",
        shipping=shipping,
        # The bidders set this price, and it may rise above what the shop asks.
        above_catalog_price=True,
    )
    offer.order = order
    offer.status = OfferStatus.CHARGING
    offer.save(update_fields=["order", "status", "updated_at"])
    from ..tasks import offer_charge_task

    transaction.on_commit(lambda: offer_charge_task.delay(offer.pk), robust=True)


def _offer_order_or_settle(auction: Auction, offer: AuctionOffer) -> None:
    """The order of an offer that needs no answer (the winner's, a second chance accepted), or the
    step that follows when commerce cannot make it."""
    try:
        _offer_order(auction, offer, shipping=None)
    except ApplicationError as error:
        if error.code == "address_required":
            _offer_ask_payment(
                auction,
                offer,
                reason="We need your shipping address before you pay.",
                note="No shipping address on file",
            )
            return
        # The lot cannot be ordered by anyone (archived, or its last unit sold meanwhile): the
        # settlement ends here, without a strike, since the buyer did nothing wrong.
        offer.status = OfferStatus.EXPIRED
        offer.message = error.message[:200]
        offer.save(update_fields=["status", "message", "updated_at"])
        _settlement_unsold(auction, note=f"The lot can no longer be ordered: {error.message}")


def _offer_ask_payment(auction: Auction, offer: AuctionOffer, *, reason: str, note: str) -> None:
    """The buyer pays in the app until `pay_by`: `reason` tells them why, `note` tells the seller."""
    pay_by = offer.pay_by or timezone.now() + pay_window()
    offer.status = OfferStatus.AWAITING_PAYMENT
    offer.pay_by = pay_by
    offer.message = reason[:200]
    offer.save(update_fields=["status", "pay_by", "message", "updated_at"])
    _event(auction, AuctionEventKind.PAYMENT_ASKED, offer=offer, note=note)
    _notify(
        offer,
        auction,
        title=f"Pay {_price(offer, auction)} for {auction.product.title}",
        body=f"{reason} Pay by {timezone.localtime(pay_by):%H:%M %Z} or the lot goes to the next bidder.",
    )


def offer_charge(*, offer_id: int) -> str:
    """Charge an offer's order to its buyer's saved card, off-session; returns the offer's status.

    Safe to run again (a task retried after a timeout): commerce's idempotency key is the order's
    and the card's, so Stripe takes one payment, and an offer no longer charging is left alone.
    Stripe unreachable is raised, for the task to retry.
    """
    offer = AuctionOffer.objects.filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("No such offer.")
    if offer.status != OfferStatus.CHARGING or offer.order_id is None:
        return offer.status
    try:
        outcome = order_charge_saved_card(order_id=offer.order_id)
    except Conflict as error:
        if error.code not in NO_SAVED_CARD:
            raise
        return _offer_charge_answered(offer_id=offer_id, status="no_card", message=error.message)
    return _offer_charge_answered(offer_id=offer_id, status=outcome.status, message=outcome.message)


@transaction.atomic
def _offer_charge_answered(*, offer_id: int, status: str, message: str) -> str:
    auction = _auction_lock(AuctionOffer.objects.values_list("auction_id", flat=True).get(pk=offer_id))
    offer = _offer_lock(offer_id)
    if offer.status != OfferStatus.CHARGING:
        return offer.status
    if status == "succeeded":
        if not _offer_settle_paid(auction, offer):
            # commerce answers "already paid" for any order no longer awaiting payment: this one the
            # buyer cancelled on its page while it was being charged.
            _offer_end(auction, offer, status=OfferStatus.EXPIRED, note="The buyer cancelled the order", strike=True)
    elif status == "declined":
        _offer_end(auction, offer, status=OfferStatus.DECLINED, note=f"Card declined: {message}", strike=True)
    elif status == "requires_action":
        _offer_ask_payment(
            auction, offer, reason="Your bank asks you to confirm this payment.", note="The bank asked to authenticate"
        )
    else:
        _offer_ask_payment(
            auction, offer, reason="There is no saved card to charge: pay with a card.", note="No saved card to charge"
        )
    return offer.status


def _offer_settle_paid(auction: Auction, offer: AuctionOffer) -> bool:
    """Mark a locked open offer paid if its order is; the show counts the sale once. False if not paid."""
    paid_at = Order.objects.filter(auction_offer=offer).values_list("paid_at", flat=True).first()
    if paid_at is None:
        return False
    how = "with the saved card" if offer.status == OfferStatus.CHARGING else "in the app"
    offer.status = OfferStatus.PAID
    offer.message = ""
    offer.save(update_fields=["status", "message", "updated_at"])
    _event(auction, AuctionEventKind.PAID, offer=offer, actor=offer.buyer, note=f"Paid {_price(offer, auction)} {how}")
    show_stats_add_order(show_id=auction.show_id, revenue_cents=offer.amount_cents)
    return True


@transaction.atomic
def offer_paid(*, order_id: int) -> AuctionOffer | None:
    """An order was paid: if it is an offer's, the offer is paid (once). None for other orders."""
    found = AuctionOffer.objects.filter(order_id=order_id).values_list("pk", "auction_id").first()
    if found is None:
        return None
    offer_id, auction_id = found
    auction = _auction_lock(auction_id)
    offer = _offer_lock(offer_id)
    if offer.status in OFFER_OPEN:
        _offer_settle_paid(auction, offer)
    return offer


def _offer_end(auction: Auction, offer: AuctionOffer, *, status: str, note: str, strike: bool) -> None:
    """End a locked open offer that was not paid: its order is cancelled (stock back), a non-payer
    gets a strike, and the next bidder gets a second chance. A payment that landed meanwhile wins."""
    if offer.order_id is not None:
        try:
            order_cancel_unpaid(order_id=offer.order_id, note=f"Auction {auction.pk}: {note}"[:200])
        except Conflict:
            # No longer awaiting payment: paid meanwhile (then it stands), or cancelled by the buyer.
            if _offer_settle_paid(auction, offer):
                return
    offer.status = status
    offer.message = note[:200]
    offer.save(update_fields=["status", "message", "updated_at"])
    kinds = {
        OfferStatus.DECLINED: AuctionEventKind.DECLINED,
        OfferStatus.EXPIRED: AuctionEventKind.EXPIRED,
        OfferStatus.REFUSED: AuctionEventKind.REFUSED,
    }
    actor = offer.buyer if status == OfferStatus.REFUSED else None
    _event(auction, kinds[OfferStatus(status)], offer=offer, actor=actor, note=note)
    if strike:
        _, made = BidderStrike.objects.get_or_create(
            user_id=offer.buyer_id, auction=auction, defaults={"reason": note[:200]}
        )
        if made:
            _event(auction, AuctionEventKind.STRIKE, offer=offer, note=f"Strike for {offer.buyer.display_name}")
    _offer_next(auction)


def _offer_next(auction: Auction) -> AuctionOffer | None:
    """A second chance to the next distinct bidder, ranked by their own highest max (ties to the
    earlier bid), at that max (never above the hammer price); the auction is unpaid if nobody is left."""
    offered = auction.offers.values_list("buyer_id", flat=True)
    # Ordered by max then seq, the first row of a bidder is their highest max at its earliest bid,
    # so the first row overall is the next bidder in line.
    best = (
        Bid.objects.filter(auction=auction, bidder__is_active=True)
        .exclude(bidder_id__in=offered)
        .order_by("-max_cents", "seq")
        .values("bidder_id", "max_cents")
        .first()
    )
    if best is None:
        _settlement_unsold(auction, note="No bidder is left to offer the lot to.")
        return None
    rank = (auction.offers.order_by("-rank").values_list("rank", flat=True).first() or 0) + 1
    hammer = auction.winning_cents or best["max_cents"]
    pay_by = timezone.now() + second_chance_window()
    offer = AuctionOffer.objects.create(
        auction=auction,
        buyer_id=best["bidder_id"],
        rank=rank,
        amount_cents=min(best["max_cents"], hammer),
        status=OfferStatus.OFFERED,
        pay_by=pay_by,
    )
    _event(auction, AuctionEventKind.OFFERED, offer=offer, note=f"Second chance at {_price(offer, auction)}")
    _notify(
        offer,
        auction,
        title=f"A second chance at {auction.product.title}",
        body=(
            f"The winner did not pay: it is yours for {_price(offer, auction)}, your own highest bid, if you "
            f"accept by {timezone.localtime(pay_by):%H:%M %Z}."
        ),
    )
    return offer


def _settlement_unsold(auction: Auction, *, note: str) -> None:
    auction.outcome = AuctionOutcome.UNPAID
    auction.save(update_fields=["outcome"])
    _event(auction, AuctionEventKind.UNSOLD, note=note)
    notification_create(
        user=auction.seller,
        kind=NotificationKind.ORDERS,
        title=f"{auction.product.title} was not paid for",
        body=note,
        url=reverse("auctions:seller_auction", kwargs={"auction_id": auction.pk}),
    )


def _offer_of_buyer(*, buyer: User, offer_id: int) -> tuple[Auction, AuctionOffer]:
    # Someone else's offer answers "not found", so its existence is not revealed.
    auction_id = AuctionOffer.objects.filter(pk=offer_id, buyer=buyer).values_list("auction_id", flat=True).first()
    if auction_id is None:
        raise NotFound("No such offer.")
    return _auction_lock(auction_id), _offer_lock(offer_id)


def _offer_require_in_time(offer: AuctionOffer, now: datetime) -> None:
    if offer.status == OfferStatus.EXPIRED or (offer.pay_by is not None and offer.pay_by <= now):
        raise Conflict("This offer has expired.", code="offer_expired")


@transaction.atomic
def offer_accept(*, buyer: User, offer_id: int, shipping: dict[str, Any] | None = None) -> AuctionOffer:
    """The buyer takes a second-chance offer (or gives the address a won lot is missing): the order
    is made and charged as the winner's would be.

    `shipping` is needed when the buyer has no address on file (refused `address_required`). An
    offer already accepted is returned as it is, so a repeated call changes nothing.
    """
    auction, offer = _offer_of_buyer(buyer=buyer, offer_id=offer_id)
    needs_order = offer.status == OfferStatus.OFFERED or (
        offer.status == OfferStatus.AWAITING_PAYMENT and offer.order_id is None
    )
    if not needs_order and offer.status in (*OFFER_OPEN, OfferStatus.PAID):
        return offer
    _offer_require_in_time(offer, timezone.now())
    if not needs_order:
        raise Conflict(f"This offer is {offer.get_status_display().lower()}.", code="offer_closed")
    was = offer.status
    if was == OfferStatus.OFFERED:
        # The answer's deadline is met; a payment asked for after the charge gets its own window.
        offer.pay_by = None
        offer.save(update_fields=["pay_by", "updated_at"])
    _offer_order(auction, offer, shipping=shipping)
    note = "Accepted the second chance" if was == OfferStatus.OFFERED else "Gave a shipping address"
    _event(auction, AuctionEventKind.ACCEPTED, offer=offer, actor=buyer, note=note)
    return offer


@transaction.atomic
def offer_refuse(*, buyer: User, offer_id: int) -> AuctionOffer:
    """The bidder turns a second-chance offer down; it goes on to the next bidder. No strike: a
    second chance is not a promise to buy. Refusing again changes nothing."""
    auction, offer = _offer_of_buyer(buyer=buyer, offer_id=offer_id)
    if offer.status == OfferStatus.REFUSED:
        return offer
    _offer_require_in_time(offer, timezone.now())
    if offer.status != OfferStatus.OFFERED:
        raise Conflict("Only a second-chance offer can be turned down.", code="offer_closed")
    _offer_end(auction, offer, status=OfferStatus.REFUSED, note="Turned the second chance down", strike=False)
    return offer


@transaction.atomic
def offer_expire(*, offer_id: int, now: datetime | None = None) -> bool:
    """End an offer whose time ran out; False, with nothing changed, if it is not due (or not open).

    An unanswered second chance just moves on; a buyer who owed the payment gets a strike.
    """
    now = now or timezone.now()
    auction_id = AuctionOffer.objects.filter(pk=offer_id).values_list("auction_id", flat=True).first()
    if auction_id is None:
        return False
    auction = _auction_lock(auction_id)
    offer = _offer_lock(offer_id)
    due = offer.pay_by is not None and offer.pay_by <= now
    if not due or offer.status not in (OfferStatus.OFFERED, OfferStatus.AWAITING_PAYMENT):
        return False
    if offer.status == OfferStatus.OFFERED:
        _offer_end(auction, offer, status=OfferStatus.EXPIRED, note="No answer to the second chance", strike=False)
    else:
        _offer_end(auction, offer, status=OfferStatus.EXPIRED, note="Not paid in time", strike=True)
    return True


def settlements_sweep(*, now: datetime | None = None) -> int:
    """The beat's sweep: ends offers past `pay_by`, and picks up what a lost task left behind (a
    settlement never started, a charge never answered). Returns how many offers it ended."""
    from ..tasks import offer_charge_task

    now = now or timezone.now()
    unstarted = Auction.objects.filter(
        status=AuctionStatus.CLOSED,
        outcome__in=SOLD_OUTCOMES,
        winner__isnull=False,
        closed_at__lt=now - START_STALE_AFTER,
        offers__isnull=True,
    ).values_list("pk", flat=True)
    for auction_id in list(unstarted):
        settlement_start(auction_id=auction_id)
    stale = AuctionOffer.objects.filter(status=OfferStatus.CHARGING, updated_at__lt=now - CHARGE_STALE_AFTER)
    for offer_id in list(stale.values_list("pk", flat=True)):
        offer_charge_task.delay(offer_id)
    due = AuctionOffer.objects.filter(
        Q(status=OfferStatus.OFFERED) | Q(status=OfferStatus.AWAITING_PAYMENT), pay_by__lte=now
    ).values_list("pk", flat=True)
    return sum(offer_expire(offer_id=offer_id, now=now) for offer_id in list(due))
