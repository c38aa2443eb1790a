"""Giveaways through the room's socket (the full ASGI application): each message, its reply, what
the room hears, the snapshot, and the refusals."""

import pytest
from channels.db import database_sync_to_async

from auctions.models import Giveaway, GiveawayEntry
from shows.tests.factories import FollowFactory, ShowFactory
from shows.tests.interact_helpers import live_show_with_item, saved_address_for
from shows.tests.sockets import ask, error_of, joined, make, receive_type
from tokshop.users.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def db(fn):
    return fn()


async def test_a_giveaway_started_entered_and_drawn_through_the_room():
    show, item = await db(live_show_with_item)
    fan_user, other_user = await make(UserFactory), await make(UserFactory)
    await db(lambda: saved_address_for(fan_user))
    host, first = await joined(show, show.seller)
    fan, _ = await joined(show, fan_user)
    other, _ = await joined(show, other_user)
    assert first["giveaway"] is None

    await ask(host, "giveaway.start", item_id=item.pk, entry="room", seconds=60)
    ack = await receive_type(host, "giveaway.start_ack")
    started = await receive_type(fan, "giveaway.started")
    assert (started["giveaway"]["id"], started["giveaway"]["status"]) == (ack["giveaway_id"], "running")
    assert started["giveaway"]["product"]["id"] == item.product_id

    await ask(fan, "giveaway.enter", giveaway_id=ack["giveaway_id"])
    assert (await receive_type(fan, "giveaway.enter_ack"))["giveaway_id"] == ack["giveaway_id"]
    counted = await receive_type(other, "giveaway.entered")
    assert (counted["giveaway_id"], counted["entrants"]) == (ack["giveaway_id"], 1)
    await ask(fan, "giveaway.enter", giveaway_id=ack["giveaway_id"])
    assert (await error_of(fan, "giveaway.enter"))["code"] == "already_entered"

    _, again = await joined(show, fan_user)
    assert (again["giveaway"]["id"], again["giveaway"]["you_entered"], again["giveaway"]["entrants"]) == (
        ack["giveaway_id"],
        True,
        1,
    )

    await ask(fan, "giveaway.draw", giveaway_id=ack["giveaway_id"])
    assert (await error_of(fan, "giveaway.draw"))["code"] == "not_moderator"
    await ask(host, "giveaway.draw", giveaway_id=ack["giveaway_id"])
    assert (await receive_type(host, "giveaway.draw_ack"))["status"] == "drawn"
    drawn = await receive_type(other, "giveaway.drawn")
    assert drawn["giveaway"]["winner"] == {"id": fan_user.pk, "name": fan_user.display_name}
    assert len(drawn["giveaway"]["seed"]) == 32
    await ask(host, "giveaway.draw", giveaway_id=ack["giveaway_id"])
    assert (await receive_type(host, "giveaway.draw_ack"))["status"] == "drawn"
    await ask(other, "giveaway.enter", giveaway_id=ack["giveaway_id"])
    assert (await error_of(other, "giveaway.enter"))["code"] == "giveaway_not_running"
    for socket in (host, fan, other):
        await socket.disconnect()


async def test_giveaway_refusals_through_the_room_change_nothing():
    show, item = await db(live_show_with_item)
    other_show = await make(ShowFactory, live=True)
    host, _ = await joined(show, show.seller)
    viewer, _ = await joined(show, await make(UserFactory))
    anonymous, _ = await joined(show)

    await ask(viewer, "giveaway.start", item_id=item.pk, entry="room", seconds=60)
    assert (await error_of(viewer, "giveaway.start"))["code"] == "not_moderator"
    await ask(host, "giveaway.start", item_id=item.pk, entry="room", seconds=301)
    assert (await error_of(host, "giveaway.start"))["fields"] == {"seconds": ["Run a giveaway for 10 to 300 seconds."]}
    await ask(host, "giveaway.start", item_id=item.pk, entry="everyone", seconds=60)
    assert (await error_of(host, "giveaway.start"))["fields"] == {"entry": ["Choose room or followers."]}
    await ask(host, "giveaway.start", item_id=item.pk, entry="followers", seconds=60)
    giveaway_id = (await receive_type(host, "giveaway.start_ack"))["giveaway_id"]
    await ask(host, "giveaway.start", item_id=item.pk, entry="room", seconds=60)
    assert (await error_of(host, "giveaway.start"))["code"] == "giveaway_running"

    await ask(viewer, "giveaway.enter", giveaway_id=giveaway_id)
    assert (await error_of(viewer, "giveaway.enter"))["code"] == "followers_only"
    await ask(host, "giveaway.enter", giveaway_id=giveaway_id)
    assert (await error_of(host, "giveaway.enter"))["code"] == "own_giveaway"
    await ask(anonymous, "giveaway.enter", giveaway_id=giveaway_id)
    assert (await error_of(anonymous, "giveaway.enter"))["code"] == "sign_in_required"
    await ask(viewer, "giveaway.enter", giveaway_id="x")
    assert (await error_of(viewer, "giveaway.enter"))["code"] == "invalid"

    stranger_room, _ = await joined(other_show, await make(UserFactory))
    await ask(stranger_room, "giveaway.enter", giveaway_id=giveaway_id)
    assert (await error_of(stranger_room, "giveaway.enter"))["code"] == "not_found"
    other_host, _ = await joined(other_show, other_show.seller)
    await ask(other_host, "giveaway.draw", giveaway_id=giveaway_id)
    assert (await error_of(other_host, "giveaway.draw"))["code"] == "not_found"

    assert await db(lambda: (Giveaway.objects.count(), GiveawayEntry.objects.count())) == (1, 0)
    assert await db(lambda: Giveaway.objects.get().status) == "running"
    for socket in (host, viewer, anonymous, stranger_room, other_host):
        await socket.disconnect()


async def test_a_follower_enters_a_followers_only_giveaway_and_a_draw_with_nobody_is_cancelled():
    show, item = await db(live_show_with_item)
    follower = await make(UserFactory)
    await make(FollowFactory, follower=follower, seller=show.seller)
    host, _ = await joined(show, show.seller)
    fan, _ = await joined(show, follower)

    await ask(host, "giveaway.start", item_id=item.pk, entry="followers", seconds=30)
    giveaway_id = (await receive_type(host, "giveaway.start_ack"))["giveaway_id"]
    await ask(fan, "giveaway.enter", giveaway_id=giveaway_id)
    await receive_type(fan, "giveaway.enter_ack")
    assert await db(lambda: GiveawayEntry.objects.get().method) == "room"

    await db(lambda: GiveawayEntry.objects.all().delete())
    await ask(host, "giveaway.draw", giveaway_id=giveaway_id)
    assert (await receive_type(host, "giveaway.draw_ack"))["status"] == "cancelled"
    drawn = await receive_type(fan, "giveaway.drawn")
    assert (drawn["giveaway"]["status"], drawn["giveaway"]["winner"], drawn["giveaway"]["seed"]) == (
        "cancelled",
        None,
        None,
    )
    for socket in (host, fan):
        await socket.disconnect()
