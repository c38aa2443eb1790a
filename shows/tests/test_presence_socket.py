"""Presence, reactions and the audience figures in the live room: counts and tallies coalesced
whatever the rate, the typing line, room limits, viewer sessions, and the stats."""

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import ORIGIN, communicator
from moderation.tests.factories import TrustedUserFactory
from shows.models import Device, ShowStats, ViewerSession
from shows.roomstate import room_state
from shows.services.lifecycle import show_end
from shows.services.stats import show_stats_add_order
from tokshop.realtime import closecodes
from tokshop.users.tests.factories import UserFactory

from .factories import LineupItemFactory, ShowFactory
from .sockets import closed_with, joined, make, receive_type, room_socket, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


async def frames_for(socket, seconds):
    """Every frame that arrives within `seconds`."""
    frames = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if await socket.receive_nothing(timeout=min(left, 0.05)):
            continue
        frames.append(await socket.receive_json_from(timeout=1))
    return frames


async def test_reactions_are_tallied_a_few_times_a_second_whatever_the_rate():
    show = await make(ShowFactory, live=True)
    watcher, snapshot = await joined(show)
    senders = [(await joined(show, await make(UserFactory)))[0] for _ in range(3)]
    assert snapshot["reactions"] == {"choices": ["heart", "fire", "laugh", "clap", "wow", "money"], "counts": {}}

    started = time.monotonic()
    for round_ in range(15):
        for socket in senders:
            await socket.send_json_to({"type": "reaction.send", "emoji": "heart" if round_ % 3 else "fire"})
    frames = await frames_for(watcher, 1.5)
    elapsed = time.monotonic() - started

    tallies = [f for f in frames if f["type"] == "reaction.tallied"]
    assert tallies[-1]["counts"] == {"heart": 30, "fire": 15}
    assert sum(sum(t["delta"].values()) for t in tallies) == 45
    # One tally per 250 ms window at most, whatever the 45 reactions' rate.
    assert 1 <= len(tallies) <= elapsed / 0.25 + 1
    for socket in [watcher, *senders]:
        await socket.disconnect()


async def test_an_unknown_emoji_is_refused_and_not_counted():
    show = await make(ShowFactory, live=True)
    socket, _ = await joined(show, await make(UserFactory))

    await socket.send_json_to({"type": "reaction.send", "ref": "r", "emoji": "poop"})

    assert (await receive_type(socket, "error"))["code"] == "invalid_emoji"
    assert await database_sync_to_async(room_state().reactions)(show.pk) == {}
    await socket.disconnect()


async def test_viewer_counts_are_coalesced_and_follow_joins_and_leaves():
    show = await make(ShowFactory, live=True)
    host, _ = await joined(show, show.seller)
    viewers = [(await joined(show))[0] for _ in range(5)]

    frames = await frames_for(host, 1.5)
    counts = [f for f in frames if f["type"] == "presence.count"]
    assert counts[-1] == {**counts[-1], "current": 6, "peak": 6, "unique": 6}
    assert len(counts) <= 2

    for socket in viewers[:3]:
        await socket.disconnect()
    last = [f for f in await frames_for(host, 1.5) if f["type"] == "presence.count"][-1]
    assert (last["current"], last["peak"], last["unique"]) == (3, 6, 6)
    sessions = await database_sync_to_async(list)(ViewerSession.objects.filter(left_at__isnull=False))
    assert len(sessions) == 3
    for socket in [host, *viewers[3:]]:
        await socket.disconnect()


async def test_the_same_person_on_two_devices_is_one_unique_viewer_with_two_sessions():
    show = await make(ShowFactory, live=True)
    user = await make(UserFactory)
    phone = communicator(
        f"/ws/shows/{show.pk}/",
        headers=[
            ORIGIN,
            await session_cookie(user),
            (b"user-agent", b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile"),
        ],
    )
    assert (await phone.connect())[0]
    await receive_type(phone, "room.snapshot")
    desktop, _ = await joined(show, user)

    counts = await database_sync_to_async(room_state().counts)(show.pk)
    assert (counts.current, counts.unique) == (2, 1)
    await phone.disconnect()
    await desktop.disconnect()
    devices = await database_sync_to_async(list)(ViewerSession.objects.order_by("id").values_list("device", "user"))
    assert devices == [(Device.MOBILE, user.pk), (Device.DESKTOP, user.pk)]


async def test_a_full_room_refuses_viewers_but_never_the_host():
    show = await make(ShowFactory, live=True, max_viewers=1)
    first, _ = await joined(show)

    assert await closed_with(await room_socket(show.pk, await make(UserFactory))) == (
        closecodes.ROOM_FULL,
        "room_full",
    )
    host, _ = await joined(show, show.seller)
    await first.disconnect()
    second, _ = await joined(show)
    # The host is counted, but not against the limit: the one viewer's place is free again.
    assert (await database_sync_to_async(room_state().counts)(show.pk)).current == 2
    for socket in (host, second):
        await socket.disconnect()


async def test_heartbeats_keep_a_socket_counted_and_a_silent_one_is_dropped(settings):
    from shows.services import presence

    show = await make(ShowFactory, live=True)
    socket, _ = await joined(show)

    await socket.send_json_to({"type": "presence.heartbeat", "ref": "h", "state": "away"})
    ack = await receive_type(socket, "presence.heartbeat_ack")
    await socket.send_json_to({"type": "presence.heartbeat", "ref": "bad", "state": "asleep"})
    error = await receive_type(socket, "error")

    assert (ack["ref"], ack["interval"]) == ("h", 30)
    assert (error["ref"], error["code"]) == ("bad", "invalid_state")
    # A socket whose beats stopped: its entry's time runs out, and the next count drops it.
    await database_sync_to_async(room_state().heartbeat)(show.pk, "silent", 0)
    await database_sync_to_async(room_state().join)(show.pk, "silent", "a-silent", presence.now_ms() + 50, None, False)
    await asyncio.sleep(0.1)
    assert (await database_sync_to_async(room_state().counts)(show.pk)).current == 1
    await socket.disconnect()


async def test_typing_shows_names_and_clears_after_five_seconds():
    show = await make(ShowFactory, live=True)
    watcher, _ = await joined(show)
    tess = await make(UserFactory, display_name="Tess")
    typist, _ = await joined(show, tess)

    for _ in range(5):
        await typist.send_json_to({"type": "presence.typing"})
    line = await receive_type(watcher, "presence.typing")
    assert (line["names"], line["user_ids"]) == (["Tess"], [tess.pk])

    cleared = await receive_type(watcher, "presence.typing", wait=7)
    assert cleared["names"] == []
    await watcher.disconnect()
    await typist.disconnect()


async def test_watch_time_counts_only_time_the_page_was_shown():
    show = await make(ShowFactory, live=True)
    socket, _ = await joined(show, await make(UserFactory))
    await socket.send_json_to({"type": "presence.heartbeat", "ref": "a", "state": "away"})
    await receive_type(socket, "presence.heartbeat_ack")
    await asyncio.sleep(1.2)
    await socket.disconnect()

    session = await database_sync_to_async(ViewerSession.objects.get)()
    assert session.left_at is not None
    assert session.watch_seconds == 0


async def test_the_host_hears_live_stats_and_they_are_kept_when_the_show_ends():
    show = await make(ShowFactory, live=True)
    item = await make(LineupItemFactory, show=show, clicks=4)
    host, snapshot = await joined(show, show.seller)
    poster, _ = await joined(show, await make(TrustedUserFactory))
    await poster.send_json_to({"type": "chat.post", "ref": "m", "text": "Nice lamp"})
    await poster.send_json_to({"type": "reaction.send", "emoji": "clap"})
    await receive_type(poster, "chat.post_ack")
    await database_sync_to_async(show_stats_add_order)(show_id=show.pk, revenue_cents=2500)

    stats = (await receive_type(host, "room.stats"))["stats"]
    while stats["orders"] == 0:
        stats = (await receive_type(host, "room.stats"))["stats"]

    assert snapshot["stats"]["current"] == 1
    assert (stats["orders"], stats["revenue_cents"], stats["product_clicks"]) == (1, 2500, item.clicks)
    await poster.disconnect()
    await database_sync_to_async(show_end)(actor=show.seller, show_id=show.pk)
    kept = await database_sync_to_async(ShowStats.objects.get)(show=show)
    assert (kept.peak_viewers, kept.unique_viewers, kept.chat_messages, kept.reactions) == (2, 2, 1, 1)
    assert (kept.orders, kept.revenue_cents, kept.product_clicks) == (1, 2500, 4)
    await host.disconnect()


def test_the_stats_api_is_for_the_host_and_the_shows_moderators(db):
    show = ShowFactory(live=True)
    show_stats_add_order(show_id=show.pk, revenue_cents=1999)
    client = APIClient()
    url = reverse("api:show-stats", args=[show.pk])

    assert client.get(url).status_code == 401
    client.force_authenticate(UserFactory())
    refused = client.get(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_moderator")
    client.force_authenticate(show.seller)
    body = client.get(url).json()
    assert (body["orders"], body["revenue_cents"], body["current"]) == (1, 1999, 0)
    assert client.get(reverse("api:show-stats", args=[987654])).status_code == 404
    show_end(actor=show.seller, show_id=show.pk)
    assert client.get(url).json()["revenue_cents"] == 1999


def test_an_order_with_negative_revenue_is_refused_and_counts_nothing(db):
    from tokshop.core.errors import ApplicationError

    show = ShowFactory(live=True)
    for bad in (-1, 1.5, True):
        with pytest.raises(ApplicationError):
            show_stats_add_order(show_id=show.pk, revenue_cents=bad)
    assert not ShowStats.objects.exists()
