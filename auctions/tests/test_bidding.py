"""The bid path through the services: the rules applied by the engine, stored, then announced."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from shows.tests.factories import LineupItemFactory, ShowFactory
from tokshop.core.errors import ApplicationError
from tokshop.users.services_links import account_signals_record
from tokshop.users.tests.factories import UserFactory

from ..engine import engine
from ..models import Auction, AuctionOutcome, AuctionStatus, Bid, BidderStrike
from ..services import auctions as lifecycle
from ..services.bidding import bid_place_sync, bid_request
from .factories import AuctionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_lot():
    show = ShowFactory(live=True)
    item = LineupItemFactory(show=show, product__quantity_on_hand=3)
    return show, item.product


def place(user, auction, amount, ref, *, now, confirm=False, buy_now=False):
    request = bid_request(
        user_id=user.pk,
        auction_id=auction.pk,
        amount=amount,
        ref=ref,
        received_ms=now,
        confirm=confirm,
        source="api",
        buy_now=buy_now,
    )
    return bid_place_sync(request)


def test_proxy_bids_set_the_price_and_the_close_records_the_winner(live_lot):
    show, product = live_lot
    auction = lifecycle.auction_create(
        actor=show.seller, show_id=show.pk, product_id=product.pk, data={"starting_cents": 500}, open_now=True
    )
    t0 = lifecycle.now_ms()
    alice, bob = UserFactory(), UserFactory()
    first = place(alice, auction, 2000, "a1", now=t0)
    assert (first.outcome.code, first.outcome.price, first.outcome.seq) == ("leading", 500, 1)
    second = place(bob, auction, 1500, "b1", now=t0 + 1)
    assert (second.outcome.code, second.outcome.price) == ("outbid", 1600)
    third = place(bob, auction, 3000, "b2", now=t0 + 2)
    assert (third.outcome.code, third.outcome.price, third.outcome.displaced) == ("leading", 2100, alice.pk)
    replay = place(bob, auction, 3000, "b2", now=t0 + 3)
    assert replay.outcome.replayed
    assert replay.outcome.seq == 3
    assert list(Bid.objects.filter(auction=auction).values_list("seq", "price_cents")) == [
        (1, 500),
        (2, 1600),
        (3, 2100),
    ]
    auction.refresh_from_db()
    assert (auction.price_cents, auction.leader_id, auction.bid_count) == (2100, bob.pk, 3)

    with pytest.raises(ApplicationError) as refused:
        place(alice, auction, 2100, "a2", now=t0 + 4)
    assert refused.value.code == "too_low"
    assert refused.value.extra["next_minimum_cents"] == 2200

    assert lifecycle.auction_close_due(auction_id=auction.pk) is False
    ends = engine().live(auction.pk).ends_at
    lifecycle.engine().close(auction.pk, now=ends)
    assert lifecycle.auction_close_due(auction_id=auction.pk) is True
    assert lifecycle.auction_close_due(auction_id=auction.pk) is False
    auction.refresh_from_db()
    assert (auction.status, auction.outcome, auction.winner_id, auction.winning_cents) == (
        AuctionStatus.CLOSED,
        AuctionOutcome.SOLD,
        bob.pk,
        2100,
    )
    with pytest.raises(ApplicationError) as late:
        place(alice, auction, 5000, "a3", now=ends + 1)
    assert late.value.code == "ended"


def test_the_seller_cannot_bid_and_bad_amounts_are_refused(live_lot):
    show, product = live_lot
    auction = lifecycle.auction_create(
        actor=show.seller, show_id=show.pk, product_id=product.pk, data={}, open_now=True
    )
    with pytest.raises(ApplicationError) as own:
        place(show.seller, auction, 500, "s1", now=lifecycle.now_ms())
    assert own.value.code == "own_lot"
    buyer = UserFactory()
    for amount in (0, -5, 1.5, float("nan"), "12", True, 10**12):
        with pytest.raises(ApplicationError) as bad:
            place(buyer, auction, amount, "x1", now=lifecycle.now_ms())
        assert bad.value.code == "invalid_amount"
    assert not Bid.objects.exists()


def test_the_engine_is_rebuilt_from_the_database(live_lot):
    show, product = live_lot
    auction = lifecycle.auction_create(
        actor=show.seller, show_id=show.pk, product_id=product.pk, data={}, open_now=True
    )
    alice, bob = UserFactory(), UserFactory()
    now = lifecycle.now_ms()
    place(alice, auction, 900, "a1", now=now, confirm=True)
    place(bob, auction, 400, "b1", now=now + 1)
    before = engine().live(auction.pk)
    engine().forget(auction.pk)
    replay = place(bob, auction, 400, "b1", now=now + 2)
    assert replay.outcome.replayed
    assert replay.outcome.seq == 2
    assert engine().live(auction.pk) == before
    assert place(bob, auction, 1000, "b2", now=now + 3).outcome.price == 1000
    assert Auction.objects.get(pk=auction.pk).bid_count == 3


def test_an_account_sharing_a_device_with_the_seller_cannot_bid(live_lot):
    show, product = live_lot
    auction = lifecycle.auction_create(
        actor=show.seller, show_id=show.pk, product_id=product.pk, data={}, open_now=True
    )
    shill, honest = UserFactory(), UserFactory()
    account_signals_record(user_id=show.seller.pk, device_id="d" * 32)
    account_signals_record(user_id=shill.pk, device_id="d" * 32)

    with pytest.raises(ApplicationError) as refused:
        place(shill, auction, 100, "s1", now=lifecycle.now_ms())

    assert refused.value.code == "linked_account"
    assert place(honest, auction, 100, "h1", now=lifecycle.now_ms()).outcome.code == "leading"
    assert list(Bid.objects.values_list("bidder_id", flat=True)) == [honest.pk]


def test_a_bidder_with_too_many_unpaid_wins_cannot_bid(live_lot, settings):
    settings.AUCTION_STRIKES_TO_BAR = 2
    show, product = live_lot
    seller = show.seller
    auction = lifecycle.auction_create(actor=seller, show_id=show.pk, product_id=product.pk, data={}, open_now=True)
    striker = UserFactory()
    for _ in range(2):
        BidderStrike.objects.create(user=striker, auction=AuctionFactory(), reason="Not paid in time")

    with pytest.raises(ApplicationError) as refused:
        place(striker, auction, 100, "s1", now=lifecycle.now_ms())

    assert refused.value.code == "not_allowed"
    assert not Bid.objects.filter(auction=auction).exists()


def test_a_bid_the_engine_cannot_be_reached_for_is_not_confirmed(live_lot, monkeypatch):
    show, product = live_lot
    seller = show.seller
    auction = lifecycle.auction_create(actor=seller, show_id=show.pk, product_id=product.pk, data={}, open_now=True)

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(engine(), "bid_sync", unreachable)
    with pytest.raises(ApplicationError) as refused:
        place(UserFactory(), auction, 100, "u1", now=lifecycle.now_ms())

    assert (refused.value.code, refused.value.status) == ("bid_not_recorded", 503)
    assert not Bid.objects.exists()


def test_a_purchase_read_before_a_bid_the_engine_took_first_ends_the_auction_after_that_bid(live_lot):
    show, product = live_lot
    auction = lifecycle.auction_create(
        actor=show.seller,
        show_id=show.pk,
        product_id=product.pk,
        data={"starting_cents": 500, "buy_now_cents": 5000},
        open_now=True,
    )
    t0 = lifecycle.now_ms()
    alice, bob = UserFactory(), UserFactory()
    # Bob's bid was read at t0 + 10 and reached the engine first; Alice's purchase, read at t0, after it.
    place(bob, auction, 800, "b1", now=t0 + 10)
    bought = place(alice, auction, 0, "a1", now=t0, buy_now=True)

    assert bought.outcome.code == "bought_now"
    auction.refresh_from_db()
    assert (auction.status, auction.outcome, auction.winner_id) == (
        AuctionStatus.CLOSED,
        AuctionOutcome.BOUGHT_NOW,
        alice.pk,
    )
    latest = Bid.objects.get(auction=auction, client_ref="b1").received_at
    assert auction.ends_at > latest
