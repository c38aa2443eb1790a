"""S9: bid manipulation through the API's bid path (`bid_place_sync`) and the room's socket: each
attempt refused with its code, and nothing changed — no bid stored, the engine's state and the
bidder's max as they were, the auction's row as it was, nothing published to the show.
"""

import asyncio
import json
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from django.conf import settings

from shows.tests.factories import LineupItemFactory, ShowFactory
from shows.tests.sockets import joined, receive_type
from tokshop.core.errors import ApplicationError
from tokshop.realtime.groups import show_group
from tokshop.realtime.streams import RedisBackend, backend
from tokshop.users.tests.factories import UserFactory

from ..engine import engine
from ..models import Auction, AuctionStatus, Bid
from ..services import auctions as lifecycle
from ..services.bidding import bid_place_sync, bid_request

# Amounts no bid may carry: not whole cents, not a number, or outside 1 cent to $100,000.
BAD_AMOUNTS: list[Any] = [
    0,
    -1,
    -500,
    1.5,
    500.01,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e30,
    10_000_001,
    10**30,
    "500",
    "abc",
    "",
    True,
    False,
    None,
    [500],
    {"cents": 500},
]


def published(show_id: int) -> list[str]:
    """The types of the events in the show's stream, besides viewer counts (which come and go)."""
    store = backend()
    assert isinstance(store, RedisBackend)
    with redis.Redis.from_url(settings.REDIS_URL, decode_responses=True) as client:
        entries = client.xrange(store.keys(show_group(show_id))[1])
    types = [json.loads(fields["m"])["type"] for _id, fields in entries]
    return [type_ for type_ in types if type_ != "presence.count"]


def snapshot(auction_id: int, user_ids: list[int]) -> tuple[Any, ...]:
    """Everything a refused bid must leave as it was."""
    auction = Auction.objects.get(pk=auction_id)
    return (
        engine().live(auction_id),
        [engine().max_of(auction_id, user_id) for user_id in user_ids],
        list(Bid.objects.filter(auction_id=auction_id).values_list("seq", "bidder_id", "max_cents")),
        (auction.status, auction.price_cents, auction.leader_id, auction.bid_count, auction.ends_at),
        published(auction.show_id),
    )


def auction_open(show: Any = None, **data: Any) -> Auction:
    show = show or ShowFactory.create(live=True)
    product = LineupItemFactory.create(show=show, product__quantity_on_hand=3).product
    return lifecycle.auction_create(
        actor=show.seller,
        show_id=show.pk,
        product_id=product.pk,
        data={"starting_cents": 500, "duration_seconds": 60, **data},
        open_now=True,
    )


def place(user_id: int, auction_id: Any, amount: Any, ref: Any = "r-1", *, buy_now: bool = False) -> Any:
    request = bid_request(
        user_id=user_id,
        auction_id=auction_id,
        amount=amount,
        ref=ref,
        received_ms=lifecycle.now_ms(),
        confirm=True,
        source="api",
        buy_now=buy_now,
    )
    return bid_place_sync(request)


def refused(code: str, user_id: int, auction_id: Any, amount: Any, ref: Any = "m-1", *, buy_now: bool = False) -> None:
    with pytest.raises(ApplicationError) as error:
        place(user_id, auction_id, amount, ref, buy_now=buy_now)
    assert error.value.code == code, (amount, error.value.code)


@pytest.fixture
def lot(db):
    """An open auction with one bid in: alice leads at the starting price with a max of $20."""
    auction = auction_open()
    alice, mallory = UserFactory(), UserFactory()
    place(alice.pk, auction.pk, 2_000, "a-1")
    return auction, alice, mallory


def test_s9_api_own_lot_and_bad_amounts_are_refused_and_change_nothing(lot):
    auction, alice, mallory = lot
    users = [alice.pk, mallory.pk, auction.seller_id]
    before = snapshot(auction.pk, users)

    refused("own_lot", auction.seller_id, auction.pk, 3_000)
    refused("own_lot", auction.seller_id, auction.pk, 0, buy_now=True)
    for n, amount in enumerate(BAD_AMOUNTS):
        refused("invalid_amount", mallory.pk, auction.pk, amount, f"m-{n}")
    # A ref is what makes a repeat the same bid: without a usable one there is no bid.
    for ref in (None, "", 5, "a" * 65, "spaces are not allowed", "x;DROP"):
        refused("invalid_bid", mallory.pk, auction.pk, 3_000, ref)

    assert snapshot(auction.pk, users) == before


def test_s9_api_unknown_closed_and_waiting_auctions_are_refused_and_change_nothing(lot):
    auction, alice, mallory = lot
    for auction_id in (0, -1, "1", True, None, 1.0):
        refused("invalid_bid", mallory.pk, auction_id, 3_000)
    refused("auction_not_found", mallory.pk, 2_000_000_000, 3_000)

    waiting = lifecycle.auction_create(
        actor=auction.show.seller,
        show_id=auction.show_id,
        product_id=LineupItemFactory(show=auction.show).product_id,
        data={},
        open_now=False,
    )
    before_waiting = snapshot(waiting.pk, [mallory.pk])
    refused("not_open", mallory.pk, waiting.pk, 3_000)
    assert snapshot(waiting.pk, [mallory.pk]) == before_waiting

    engine().close(auction.pk, now=engine().live(auction.pk).ends_at)
    assert lifecycle.auction_close_due(auction_id=auction.pk)
    users = [alice.pk, mallory.pk]
    before = snapshot(auction.pk, users)
    assert before[3][0] == AuctionStatus.CLOSED
    refused("ended", mallory.pk, auction.pk, 10_000)
    refused("ended", alice.pk, auction.pk, 10_000, "a-2")
    refused("ended", mallory.pk, auction.pk, 0, "m-2", buy_now=True)
    assert snapshot(auction.pk, users) == before


def test_s9_api_a_replayed_bid_is_answered_again_and_changes_nothing(lot):
    auction, alice, mallory = lot
    first = place(mallory.pk, auction.pk, 1_000, "m-1")
    assert (first.outcome.code, first.outcome.seq, first.outcome.price) == ("outbid", 2, 1_100)
    users = [alice.pk, mallory.pk]
    before = snapshot(auction.pk, users)

    # The same frame again, and the same ref with a higher amount: both are the first bid again.
    for amount in (1_000, 9_000):
        again = place(mallory.pk, auction.pk, amount, "m-1")
        assert again.outcome.replayed
        assert (again.outcome.code, again.outcome.seq, again.outcome.price) == ("outbid", 2, 1_100)
        assert again.your_max == 1_000

    assert snapshot(auction.pk, users) == before


def test_s9_api_a_bid_needing_confirmation_is_refused_without_it(lot):
    auction, alice, mallory = lot
    users = [alice.pk, mallory.pk]
    before = snapshot(auction.pk, users)
    request = bid_request(
        user_id=mallory.pk,
        auction_id=auction.pk,
        amount=50_000,
        ref="m-1",
        received_ms=lifecycle.now_ms(),
        confirm="yes",
        source="api",
    )
    with pytest.raises(ApplicationError) as error:
        bid_place_sync(request)
    assert (error.value.code, error.value.extra["confirm_amount_cents"]) == ("confirm_required", 50_000)
    assert snapshot(auction.pk, users) == before


# --- the room's socket ------------------------------------------------------------------------


@database_sync_to_async
def two_shows_with_bids():
    auction = auction_open()
    other = auction_open()
    alice, mallory, carol = UserFactory(), UserFactory(), UserFactory()
    place(alice.pk, auction.pk, 2_000, "a-1")
    place(alice.pk, other.pk, 2_000, "a-1")
    return auction.show, auction, other, alice, mallory, carol


async def refused_on(socket, frame: dict[str, Any], code: str) -> dict[str, Any]:
    await socket.send_json_to(frame)
    error = await receive_type(socket, "error")
    assert (error["ref"], error["code"]) == (frame.get("ref"), code), frame
    # The room limits a socket to ten frames a second: keep under it, so each frame is judged.
    await asyncio.sleep(0.11)
    return error


async def nothing_published_to(socket) -> list[str]:
    """The types of the frames the socket got meanwhile, besides presence counts."""
    types = []
    while not await socket.receive_nothing(timeout=0.3):
        frame = await socket.receive_json_from()
        if frame["type"] != "presence.count":
            types.append(frame["type"])
    return types


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loop_cleanup")
async def test_s9_socket_manipulations_are_refused_with_their_codes_and_change_nothing():
    show, auction, other, alice, mallory, carol = await two_shows_with_bids()
    seller = await database_sync_to_async(lambda: show.seller)()
    users = [alice.pk, mallory.pk, seller.pk]
    before = await database_sync_to_async(snapshot)(auction.pk, users)
    before_other = await database_sync_to_async(snapshot)(other.pk, users)
    m, _ = await joined(show, mallory)
    s, _ = await joined(show, seller)
    watcher, _ = await joined(show, carol)
    bid = {"type": "bid.place", "auction_id": auction.pk, "confirm": True}

    await refused_on(s, {**bid, "ref": "s-1", "amount_cents": 3_000}, "own_lot")
    await refused_on(s, {"type": "auction.buy_now", "ref": "s-2", "auction_id": auction.pk}, "own_lot")
    for n, amount in enumerate(BAD_AMOUNTS):
        await refused_on(m, {**bid, "ref": f"m-{n}", "amount_cents": amount}, "invalid_amount")
    await refused_on(m, {"type": "bid.place", "ref": "m-none", "auction_id": auction.pk}, "invalid_amount")
    # The socket's user is the bidder; a bidder (or anything else) named in the frame is refused.
    for n, injected in enumerate(({"bidder_id": alice.pk}, {"user_id": alice.pk}, {"bidder": alice.pk})):
        error = await refused_on(m, {**bid, "ref": f"i-{n}", "amount_cents": 3_000, **injected}, "unexpected_field")
        assert list(error["fields"]) == list(injected)
    await refused_on(
        m,
        {"type": "auction.buy_now", "ref": "i-9", "auction_id": auction.pk, "amount_cents": 1},
        "unexpected_field",
    )
    await refused_on(m, {**bid, "ref": "u-1", "auction_id": 2_000_000_000, "amount_cents": 3_000}, "auction_not_found")
    await refused_on(m, {**bid, "ref": "u-2", "auction_id": "1", "amount_cents": 3_000}, "invalid_bid")
    # Another show's auction through this show's socket.
    error = await refused_on(
        m, {**bid, "ref": "o-1", "auction_id": other.pk, "amount_cents": 3_000}, "auction_not_found"
    )
    assert "auction_id" not in error
    await refused_on(m, {"type": "auction.buy_now", "ref": "o-2", "auction_id": other.pk}, "auction_not_found")

    assert await nothing_published_to(watcher) == []
    assert await database_sync_to_async(snapshot)(auction.pk, users) == before
    assert await database_sync_to_async(snapshot)(other.pk, users) == before_other
    for socket in (m, s, watcher):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loop_cleanup")
async def test_s9_socket_a_replayed_frame_is_answered_again_and_published_once():
    show, auction, _, alice, mallory, carol = await two_shows_with_bids()
    m, _ = await joined(show, mallory)
    watcher, _ = await joined(show, carol)

    frame = {"type": "bid.place", "ref": "m-1", "auction_id": auction.pk, "amount_cents": 1_000}
    await m.send_json_to(frame)
    first = await receive_type(m, "bid.accepted")
    placed = await receive_type(watcher, "bid.placed")
    assert (first["bid_count"], first["replayed"], placed["bid_count"]) == (2, False, 2)
    users = [alice.pk, mallory.pk]
    before = await database_sync_to_async(snapshot)(auction.pk, users)

    for amount in (1_000, 9_000):
        await m.send_json_to({**frame, "amount_cents": amount})
        again = await receive_type(m, "bid.accepted")
        assert again["replayed"] is True
        assert (again["bid_count"], again["price_cents"], again["outcome"]) == (2, 1_100, "outbid")
        assert again["your_max_cents"] == 1_000

    assert await nothing_published_to(watcher) == []
    assert await database_sync_to_async(snapshot)(auction.pk, users) == before
    for socket in (m, watcher):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loop_cleanup")
async def test_s9_socket_a_closed_lot_refuses_bids_and_purchases():
    show, auction, _, alice, mallory, carol = await two_shows_with_bids()
    engine().close(auction.pk, now=engine().live(auction.pk).ends_at)
    assert await database_sync_to_async(lifecycle.auction_close_due)(auction_id=auction.pk)
    users = [alice.pk, mallory.pk]
    before = await database_sync_to_async(snapshot)(auction.pk, users)
    m, _ = await joined(show, mallory)
    watcher, _ = await joined(show, carol)

    error = await refused_on(
        m, {"type": "bid.place", "ref": "m-1", "auction_id": auction.pk, "amount_cents": 5_000}, "ended"
    )
    assert (error["auction_id"], error["price_cents"]) == (auction.pk, 500)
    await refused_on(m, {"type": "auction.buy_now", "ref": "m-2", "auction_id": auction.pk}, "ended")

    assert await nothing_published_to(watcher) == []
    assert await database_sync_to_async(snapshot)(auction.pk, users) == before
    for socket in (m, watcher):
        await socket.disconnect()


def test_s9_nothing_published_counts_the_shows_stream(lot):
    # The check above reads the show's stream: a bid that is taken moves it.
    auction, _, mallory = lot
    before = published(auction.show_id)
    place(mallory.pk, auction.pk, 3_000, "m-1")
    assert published(auction.show_id) == [*before, "bid.placed"]
