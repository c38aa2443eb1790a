"""R12's "0 double sales" under real concurrency: each client on its own connection, started together."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from auctions.models import AuctionOffer, BidderStrike, OfferStatus
from auctions.services.settlement import offer_expire, settlement_start
from commerce.models import Order, OrderStatus
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.orders import order_pay
from tests.concurrency import at_once
from tokshop.core.errors import ApplicationError

from .factories_settlement import auction_closed_with_bids
from .test_settlement import address_on_file, bidders, kinds, live_offers

pytestmark = pytest.mark.django_db(transaction=True)


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once; their results, or the codes of their refusals."""

    def answered(call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            try:
                return call()
            except ApplicationError as error:
                return error.code

        return run

    return at_once([answered(call) for call in calls])


def test_a_settlement_started_eight_times_at_once_offers_and_orders_once():
    [winner] = bidders(1)
    auction = auction_closed_with_bids([(winner, 1500)], winning_cents=1200)

    together([lambda: settlement_start(auction_id=auction.pk) for _ in range(8)])

    offer = AuctionOffer.objects.get(auction=auction)
    assert offer.status == OfferStatus.AWAITING_PAYMENT
    assert Order.objects.filter(lines__product_id=auction.product_id).count() == 1
    assert kinds(auction) == ["offered", "payment_asked"]


@pytest.mark.parametrize("trial", range(5))
def test_a_payment_racing_the_expiry_sweep_sells_the_lot_once(trial):
    winner, second = bidders(2)
    auction = auction_closed_with_bids([(second, 1000), (winner, 1500)], winning_cents=1100)
    settlement_start(auction_id=auction.pk)
    offer = AuctionOffer.objects.get(auction=auction)
    assert offer.pay_by is not None
    due = offer.pay_by + timedelta(seconds=1)

    together(
        [
            lambda: order_pay(buyer=winner, order_id=offer.order_id, card_number=TEST_CARD_SUCCESS),
            lambda: offer_expire(offer_id=offer.pk, now=due),
        ]
    )

    offer.refresh_from_db()
    order = Order.objects.get(pk=offer.order_id)
    paid = Order.objects.filter(lines__product_id=auction.product_id, status=OrderStatus.PAID).count()
    if offer.status == OfferStatus.PAID:
        # The payment came first: it stands, and nobody else is offered the lot.
        assert order.status == OrderStatus.PAID
        assert not AuctionOffer.objects.filter(auction=auction, rank=2).exists()
        assert not BidderStrike.objects.exists()
        assert kinds(auction)[-1] == "paid"
    else:
        # The sweep came first: the order is cancelled, so the late payment was refused.
        assert offer.status == OfferStatus.EXPIRED
        assert order.status == OrderStatus.CANCELLED
        assert AuctionOffer.objects.get(auction=auction, rank=2).status == OfferStatus.OFFERED
        assert kinds(auction)[-3:] == ["expired", "strike", "offered"]
    assert paid == (1 if offer.status == OfferStatus.PAID else 0)
    assert live_offers(auction) == 1


def test_two_second_chance_answers_and_the_sweep_at_once_leave_one_live_offer():
    winner, second, third = bidders(3)
    address_on_file(third)
    auction = auction_closed_with_bids([(third, 900), (second, 1000), (winner, 1500)], winning_cents=1100)
    settlement_start(auction_id=auction.pk)
    first = AuctionOffer.objects.get(auction=auction)
    assert first.pay_by is not None
    offer_expire(offer_id=first.pk, now=first.pay_by + timedelta(seconds=1))
    chance = AuctionOffer.objects.get(auction=auction, rank=2)
    assert chance.pay_by is not None
    due = chance.pay_by + timedelta(seconds=1)
    from auctions.services.settlement import offer_accept, offer_refuse

    together(
        [
            lambda: offer_accept(buyer=second, offer_id=chance.pk),
            lambda: offer_refuse(buyer=second, offer_id=chance.pk),
            lambda: offer_expire(offer_id=chance.pk, now=due),
        ]
    )

    chance.refresh_from_db()
    assert chance.status in (OfferStatus.AWAITING_PAYMENT, OfferStatus.REFUSED, OfferStatus.EXPIRED)
    assert live_offers(auction) == 1
    third_offers = AuctionOffer.objects.filter(auction=auction, rank=3).count()
    assert third_offers == (0 if chance.status == OfferStatus.AWAITING_PAYMENT else 1)
    assert Order.objects.filter(lines__product_id=auction.product_id, status=OrderStatus.PENDING_PAYMENT).count() == (
        1 if chance.status == OfferStatus.AWAITING_PAYMENT else 0
    )
