"""The live room socket against bad clients and bad networks: R13 (resync after being offline), S3
(origin, tickets, oversize frames, floods) and S4 (10,000 hostile frames)."""

import asyncio
import json
import logging
import random
import time

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from conftest import communicator
from moderation.tests.factories import TrustedUserFactory
from shows.models import ChatMessage
from shows.services.chat import chat_system_post
from tokshop.realtime import closecodes
from tokshop.users.services import ws_ticket_issue
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory
from .sockets import closed_with, joined, make, receive_type, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


async def sequenced_until(socket, count, wait=3):
    """The next `count` sequenced events."""
    events = []
    while len(events) < count:
        frame = await socket.receive_json_from(timeout=wait)
        if "seq" in frame:
            events.append(frame)
    return events


# --- R13 -------------------------------------------------------------------------------------


async def test_r13_a_viewer_offline_five_seconds_gets_exactly_what_it_missed():
    show = await make(ShowFactory, live=True)
    poster, _ = await joined(show, await make(TrustedUserFactory))
    viewer, snapshot = await joined(show)
    await poster.send_json_to({"type": "chat.post", "ref": "before", "text": "before the drop"})
    seen = (await receive_type(viewer, "chat.posted"))["seq"]
    await viewer.disconnect()

    # Five seconds offline while the room goes on: chat lines, system lines, reactions, counts.
    deadline = time.monotonic() + 5
    n = 0
    while time.monotonic() < deadline:
        await database_sync_to_async(chat_system_post)(show_id=show.pk, text=f"missed {n}")
        await poster.send_json_to({"type": "reaction.send", "emoji": "heart"})
        n += 1
        await asyncio.sleep(0.25)
    await asyncio.sleep(0.4)
    from tokshop.realtime.hub import get_hub

    last = await get_hub().last_seq(f"show.{show.pk}")

    again = communicator(f"/ws/shows/{show.pk}/?since={seen}")
    assert (await again.connect())[0]
    caught_up = await sequenced_until(again, last - seen)

    seqs = [event["seq"] for event in caught_up]
    assert seqs == list(range(seen + 1, last + 1)), "no gap and no duplicate"
    assert caught_up[0]["type"] != "room.snapshot"
    missed = [e["message"]["text"] for e in caught_up if e["type"] == "chat.posted"]
    assert missed == [f"missed {i}" for i in range(n)]
    assert any(e["type"] == "reaction.tallied" for e in caught_up)
    assert snapshot["seq"] < seen
    await again.disconnect()
    await poster.disconnect()


async def test_r13_a_viewer_too_far_behind_gets_a_snapshot(settings):
    show = await make(ShowFactory, live=True)
    for n in range(3):
        await database_sync_to_async(chat_system_post)(show_id=show.pk, text=f"line {n}")

    socket = communicator(f"/ws/shows/{show.pk}/?since=99999")
    assert (await socket.connect())[0]

    first = await socket.receive_json_from(timeout=2)
    assert first["type"] == "room.snapshot"
    assert [m["text"] for m in first["chat"]["messages"]] == ["line 0", "line 1", "line 2"]
    await socket.disconnect()


# --- S3 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [b"http://evil.example", b"null", None])
async def test_s3_a_foreign_or_missing_origin_is_refused(origin):
    show = await make(ShowFactory, live=True)
    headers = [await session_cookie(await make(UserFactory))]
    if origin is not None:
        headers.append((b"origin", origin))
    socket = communicator(f"/ws/shows/{show.pk}/", headers=headers)
    await socket.connect()

    assert await closed_with(socket) == (closecodes.FORBIDDEN_ORIGIN, "origin_not_allowed")


async def test_s3_a_ticket_opens_one_room_socket_and_an_expired_or_forged_one_none():
    show = await make(ShowFactory, live=True)
    user = await make(TrustedUserFactory)
    ticket, _ = await database_sync_to_async(ws_ticket_issue)(user=user)

    first = communicator(f"/ws/shows/{show.pk}/?ticket={ticket}")
    assert (await first.connect())[0]
    snapshot = await receive_type(first, "room.snapshot")
    assert snapshot["you"]["user_id"] == user.pk
    await first.send_json_to({"type": "chat.post", "ref": "t", "text": "from the app"})
    assert (await receive_type(first, "chat.post_ack"))["status"] == "posted"

    reused = communicator(f"/ws/shows/{show.pk}/?ticket={ticket}")
    await reused.connect()
    assert await closed_with(reused) == (closecodes.UNAUTHENTICATED, "ticket_invalid")
    expired, _ = await database_sync_to_async(ws_ticket_issue)(user=user)
    # A ticket lives in the cache for its 30 seconds; an expired one is simply gone.
    await database_sync_to_async(cache.clear)()
    for bad in (expired, "forged"):
        socket = communicator(f"/ws/shows/{show.pk}/?ticket={bad}")
        await socket.connect()
        assert await closed_with(socket) == (closecodes.UNAUTHENTICATED, "ticket_invalid")
    await first.disconnect()


async def test_s3_a_flooding_client_is_throttled_while_others_keep_getting_events():
    show = await make(ShowFactory, live=True)
    flooder, _ = await joined(show, await make(TrustedUserFactory))
    watchers = [(await joined(show))[0] for _ in range(3)]

    async def flood():
        for n in range(300):
            await flooder.send_json_to({"type": "chat.post", "ref": f"f{n}", "text": f"spam {n}"})
            await asyncio.sleep(0.002)

    async def publish_and_follow():
        # Every watcher gets every event during the flood (how fast: bench/flood.py, S3's p95).
        for n in range(20):
            await database_sync_to_async(chat_system_post)(show_id=show.pk, text=f"tick {n}")
            for socket in watchers:
                while True:
                    event = await receive_type(socket, "chat.posted")
                    if event["message"]["text"] == f"tick {n}":
                        break
            await asyncio.sleep(0.03)

    flooding = asyncio.create_task(flood())
    await publish_and_follow()
    await flooding

    frames = []
    while True:
        message = await flooder.receive_output(timeout=2)
        if message["type"] == "websocket.close":
            break
        frames.append(json.loads(message["text"]))
    await flooder.disconnect()
    assert message["code"] == closecodes.FLOODING
    assert any(f["type"] == "error" and f["code"] == "rate_limited" for f in frames)
    # The message check's own limit (5 in 10 s) stored at most five of the flood.
    assert await database_sync_to_async(ChatMessage.objects.filter(kind="chat").count)() <= 5
    for socket in watchers:
        await socket.disconnect()


# --- S4 --------------------------------------------------------------------------------------

TYPES = [
    "chat.post",
    "chat.delete",
    "room.moderate",
    "reaction.send",
    "presence.heartbeat",
    "presence.typing",
    "show.pause",
    "show.resume",
    "show.end",
    "ping",
    "nope",
    "",
]
FIELDS = ["text", "id", "user_id", "action", "minutes", "reason", "scope", "emoji", "state", "ref", "type"]


def garbage(rng: random.Random, depth: int = 0):
    kind = rng.randrange(10 if depth < 2 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**63, -(2**70), rng.randrange(-1000, 10**6)])
    if kind == 3:
        return rng.choice([0.5, -1e308, 1e308, float("nan")])
    if kind == 4:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(0, 40)))
    if kind == 5:
        return rng.choice(["warn", "mute", "ban", "heart", "online", "away", "show", "seller", "x" * 600, "\u0000"])
    if kind == 6:
        return rng.choice(["", " ", "SHOUTING LOUDLY", "call 555 123 4567", "fuck", "https://evil.example"])
    if kind in (7, 8):
        return [garbage(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(FIELDS): garbage(rng, depth + 1) for _ in range(rng.randrange(0, 4))}


def fuzzed_frame(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        # Never empty: the test client cannot send an empty text frame.
        return "".join(chr(rng.randrange(1, 0xFFFF)) for _ in range(rng.randrange(1, 30)))
    if roll < 0.1:
        return json.dumps(garbage(rng))
    frame = {field: garbage(rng) for field in rng.sample(FIELDS, rng.randrange(0, 5))}
    frame["type"] = rng.choice(TYPES) if rng.random() < 0.9 else garbage(rng)
    return json.dumps(frame)


@pytest.mark.timeout(300)
async def test_s4_ten_thousand_hostile_frames_break_nothing(settings, caplog):
    # The fuzzer sends far faster than a person may: the socket's own flood limit is lifted so every
    # frame reaches the handlers.
    settings.REALTIME = {**settings.REALTIME, "FRAME_RATE": 1_000_000, "FRAME_BURST": 1_000_000}
    show = await make(ShowFactory, live=True)
    fuzzer, host_fuzzer = await make(TrustedUserFactory), show.seller
    watcher, _ = await joined(show)
    rng = random.Random(20261207)
    caplog.set_level(logging.ERROR)
    sent = 0
    for who, count in ((fuzzer, 8000), (host_fuzzer, 2000)):
        socket, _ = await joined(show, who)
        for n in range(count):
            await socket.send_to(text_data=fuzzed_frame(rng))
            sent += 1
            # Drain as we go so the test's queue stays small; any unhandled exception surfaces here.
            if n % 50 == 0:
                while not await socket.receive_nothing(timeout=0.001):
                    await socket.receive_output(timeout=1)
        await socket.send_json_to({"type": "ping", "ref": "alive"})
        pong = await receive_type(socket, "pong", wait=30)
        while pong["ref"] != "alive":
            pong = await receive_type(socket, "pong", wait=30)
        await socket.disconnect()

    assert sent == 10_000
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The server keeps serving: a new viewer enters and the old one still hears the room.
    fresh, _ = await joined(show)
    await database_sync_to_async(chat_system_post)(show_id=show.pk, text="still here")
    assert (await receive_type(fresh, "chat.posted", wait=5))["message"]["text"] == "still here"
    await fresh.disconnect()
    await watcher.disconnect()
