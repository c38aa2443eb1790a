"""Auctions through the room's socket (the full ASGI application): the host starts one, two
viewers bid, the room hears each price, the outbid bidder is told, the close is announced."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from conftest import ORIGIN, communicator
from shows.tests.factories import LineupItemFactory, ShowFactory
from shows.tests.sockets import joined, make, receive_type, session_cookie
from tokshop.core.websocket import RECEIVED_AT
from tokshop.users.tests.factories import UserFactory

from ..engine import engine
from ..models import Auction, Bid
from ..services.auctions import auction_close_due, now_ms

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def lineup_product(show):
    return LineupItemFactory(show=show, product__quantity_on_hand=2).product


@database_sync_to_async
def stored_bids(auction_id):
    return list(Bid.objects.filter(auction_id=auction_id).values_list("seq", "bidder_id", "price_cents"))


async def frame_types(socket, wait=0.5):
    """The types of the frames a socket receives within `wait` seconds (presence counts included)."""
    types = []
    while not await socket.receive_nothing(timeout=wait):
        types.append((await socket.receive_json_from())["type"])
    return types


async def room_of_two_bidders():
    """A live show with a lineup product, its host and two viewers in the room."""
    show = await make(ShowFactory, live=True)
    product = await lineup_product(show)
    alice, bob = await make(UserFactory), await make(UserFactory)
    host, _ = await joined(show, show.seller)
    a, _ = await joined(show, alice)
    b, _ = await joined(show, bob)
    return product, alice, bob, host, a, b


async def test_two_viewers_bid_and_the_room_follows_the_price_to_the_close():
    product, alice, bob, host, a, b = await room_of_two_bidders()

    await host.send_json_to(
        {"type": "auction.start", "ref": "s", "product_id": product.pk, "starting_cents": 300, "duration_seconds": 30}
    )
    ack = await receive_type(host, "auction.control_ack")
    opened = await receive_type(a, "auction.opened")
    auction_id = ack["auction_id"]
    assert opened["auction"]["id"] == auction_id
    assert opened["auction"]["price_cents"] == 0
    assert opened["auction"]["next_minimum_cents"] == 300

    await a.send_json_to({"type": "bid.place", "ref": "a-1", "auction_id": auction_id, "amount_cents": 800})
    accepted = await receive_type(a, "bid.accepted")
    assert accepted["ref"] == "a-1"
    assert accepted["leading"] is True
    assert accepted["price_cents"] == 300
    placed = await receive_type(b, "bid.placed")
    assert (placed["price_cents"], placed["leader_name"], placed["bid_count"]) == (300, alice.display_name, 1)

    await b.send_json_to({"type": "bid.place", "ref": "b-1", "auction_id": auction_id, "amount_cents": 1000})
    assert (await receive_type(b, "bid.accepted"))["leading"] is True
    outbid = await receive_type(a, "bid.outbid")
    assert outbid["auction_id"] == auction_id
    assert outbid["price_cents"] == 900

    # A bidder named in the frame is refused, and nothing changes.
    await a.send_json_to(
        {"type": "bid.place", "ref": "a-2", "auction_id": auction_id, "amount_cents": 2000, "bidder_id": bob.pk}
    )
    refused = await receive_type(a, "error")
    assert (refused["ref"], refused["code"]) == ("a-2", "unexpected_field")
    await a.send_json_to({"type": "bid.place", "ref": "a-3", "auction_id": auction_id, "amount_cents": 950})
    too_low = await receive_type(a, "error")
    assert (too_low["code"], too_low["next_minimum_cents"]) == ("too_low", 1000)
    assert await stored_bids(auction_id) == [(1, alice.pk, 300), (2, bob.pk, 900)]

    live = engine().live(auction_id)
    engine().close(auction_id, now=live.ends_at)
    assert await database_sync_to_async(auction_close_due)(auction_id=auction_id)
    closed = await receive_type(a, "auction.closed")
    assert (closed["outcome"], closed["winner_name"], closed["price_cents"]) == ("sold", bob.display_name, 900)
    auction = await database_sync_to_async(Auction.objects.get)(pk=auction_id)
    assert auction.winner_id == bob.pk
    for socket in (host, a, b):
        await socket.disconnect()


async def test_the_outbid_notice_reaches_only_the_bidders_sockets_in_that_room():
    show = await make(ShowFactory, live=True)
    other_show = await make(ShowFactory, live=True)
    product = await lineup_product(show)
    alice, bob = await make(UserFactory), await make(UserFactory)
    host, _ = await joined(show, show.seller)
    in_room, _ = await joined(show, alice)
    elsewhere, _ = await joined(other_show, alice)
    notifications = communicator("/ws/notifications/", headers=[ORIGIN, await session_cookie(alice)])
    assert (await notifications.connect())[0]
    await receive_type(notifications, "notification.snapshot")
    bidder, _ = await joined(show, bob)
    await host.send_json_to({"type": "auction.start", "ref": "s", "product_id": product.pk})
    auction_id = (await receive_type(host, "auction.control_ack"))["auction_id"]

    await in_room.send_json_to({"type": "bid.place", "ref": "a", "auction_id": auction_id, "amount_cents": 100})
    await receive_type(in_room, "bid.accepted")
    await bidder.send_json_to({"type": "bid.place", "ref": "b", "auction_id": auction_id, "amount_cents": 300})
    await receive_type(bidder, "bid.accepted")

    assert (await receive_type(in_room, "bid.outbid"))["next_minimum_cents"] == 300
    assert "bid.outbid" not in await frame_types(elsewhere)
    assert "bid.outbid" not in await frame_types(notifications)
    for socket in (host, in_room, elsewhere, notifications, bidder):
        await socket.disconnect()


async def test_a_bid_is_in_time_by_when_the_server_read_its_frame_not_when_it_was_handled():
    product, alice, _bob, host, a, b = await room_of_two_bidders()
    await host.send_json_to(
        {
            "type": "auction.start",
            "ref": "s",
            "product_id": product.pk,
            "duration_seconds": 5,
            "mode": "sudden_death",
        }
    )
    auction_id = (await receive_type(host, "auction.control_ack"))["auction_id"]
    ends = engine().live(auction_id).ends_at

    def bid_read_at(received_ms: int, ref: str) -> dict:
        # What our server hands the app: the frame and the moment it was read (tokshop.core.websocket).
        body = {"type": "bid.place", "ref": ref, "auction_id": auction_id, "amount_cents": 300}
        return {"type": "websocket.receive", "text": json.dumps(body), RECEIVED_AT: received_ms}

    # Both handled after the end, as in a storm's backlog: one read a millisecond before it, one at it.
    await asyncio.sleep(max(0, ends - now_ms()) / 1000 + 0.01)
    await a.send_input(bid_read_at(ends - 1, "a-1"))
    accepted = await receive_type(a, "bid.accepted")
    await b.send_input(bid_read_at(ends, "b-1"))
    refused = await receive_type(b, "error")

    assert (accepted["leading"], accepted["price_cents"]) == (True, 100)
    assert refused["code"] == "ended"
    assert await stored_bids(auction_id) == [(1, alice.pk, 100)]
    for socket in (host, a, b):
        await socket.disconnect()
