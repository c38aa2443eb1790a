"""The notification socket through the full ASGI application: auth, origin, limits, live events."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from conftest import ORIGIN, communicator
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.notifications.services import notification_create
from tokshop.realtime import closecodes
from tokshop.users.services import ws_ticket_issue
from tokshop.users.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]

PATH = "/ws/notifications/"


@database_sync_to_async
def make_user(**kwargs):
    return UserFactory(**kwargs)


@database_sync_to_async
def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@database_sync_to_async
def notify(user, title="Hi"):
    return notification_create(user=user, kind=NotificationKind.ACCOUNT, title=title)


async def open_socket(user, query=""):
    socket = communicator(PATH + query, headers=[ORIGIN, await session_cookie(user)])
    connected, _ = await socket.connect()
    assert connected
    return socket


async def closed_with(socket) -> int:
    message = await socket.receive_output(timeout=2)
    if message["type"] == "websocket.accept":
        message = await socket.receive_output(timeout=2)
    assert message["type"] == "websocket.close"
    # As a browser does after a close frame; lets the consumer finish instead of being cancelled.
    await socket.disconnect()
    return message["code"]


async def test_a_signed_in_browser_gets_a_snapshot_then_live_notifications():
    user = await make_user()
    await notify(user, "Before")
    socket = await open_socket(user)

    snapshot = await socket.receive_json_from(timeout=2)
    assert snapshot["type"] == "notification.snapshot"
    assert snapshot["unread_count"] == 1
    assert snapshot["seq"] == 1
    assert [n["title"] for n in snapshot["notifications"]] == ["Before"]

    await notify(user, "Live")
    event = await socket.receive_json_from(timeout=2)
    assert (event["type"], event["seq"], event["notification"]["title"], event["unread_count"]) == (
        "notification.created",
        2,
        "Live",
        2,
    )
    await socket.disconnect()


async def test_another_users_notifications_never_arrive():
    user, other = await make_user(), await make_user()
    socket = await open_socket(user)
    await socket.receive_json_from(timeout=2)

    await notify(other, "Not yours")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_no_session_and_no_ticket_is_refused():
    socket = communicator(PATH)
    await socket.connect()

    assert await closed_with(socket) == closecodes.UNAUTHENTICATED


@pytest.mark.parametrize("origin", [b"http://evil.example", b"null", None])
async def test_foreign_or_missing_origin_is_refused(origin):
    user = await make_user()
    headers = [await session_cookie(user)]
    if origin is not None:
        headers.append((b"origin", origin))
    socket = communicator(PATH, headers=headers)
    await socket.connect()

    assert await closed_with(socket) == closecodes.FORBIDDEN_ORIGIN


async def test_a_ticket_opens_exactly_one_socket():
    user = await make_user()
    ticket, _ = await database_sync_to_async(ws_ticket_issue)(user=user)

    first = communicator(f"{PATH}?ticket={ticket}")
    assert (await first.connect())[0]
    assert (await first.receive_json_from(timeout=2))["type"] == "notification.snapshot"

    reused = communicator(f"{PATH}?ticket={ticket}")
    await reused.connect()
    assert await closed_with(reused) == closecodes.UNAUTHENTICATED
    await first.disconnect()


async def test_an_unknown_ticket_is_refused():
    socket = communicator(f"{PATH}?ticket=forged")
    await socket.connect()

    assert await closed_with(socket) == closecodes.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"no": "type"}', "invalid_message"),
        ('{"type": "bid.place", "ref": "r1"}', "unknown_type"),
        ('{"type": "notification.read", "ref": "r2", "ids": "all"}', "invalid_ids"),
        ('{"type": "notification.read", "ids": [true]}', "invalid_ids"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_up(frame, code):
    user = await make_user()
    socket = await open_socket(user)
    await socket.receive_json_from(timeout=2)

    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from(timeout=2)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]

    await socket.send_json_to({"type": "ping", "ref": "still-there"})
    assert (await socket.receive_json_from(timeout=2))["type"] == "pong"
    await socket.disconnect()


async def test_an_oversized_frame_closes_the_socket():
    user = await make_user()
    socket = await open_socket(user)
    await socket.receive_json_from(timeout=2)

    await socket.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 10_000}))

    assert await closed_with(socket) == closecodes.MESSAGE_TOO_BIG


async def test_a_flooding_client_is_slowed_then_disconnected():
    user = await make_user()
    socket = await open_socket(user)
    await socket.receive_json_from(timeout=2)

    for _ in range(100):
        await socket.send_json_to({"type": "ping"})
    frames = []
    while True:
        message = await socket.receive_output(timeout=2)
        if message["type"] == "websocket.close":
            break
        frames.append(json.loads(message["text"]))
    await socket.disconnect()

    assert message["code"] == closecodes.FLOODING
    # Reconnecting straight away does not buy a fresh allowance.
    again = communicator(PATH, headers=[ORIGIN, await session_cookie(user)])
    await again.connect()
    assert await closed_with(again) == closecodes.FLOODING
    # The burst allowance, plus what the bucket refilled while the frames were being sent.
    assert 20 <= sum(f["type"] == "pong" for f in frames) <= 22
    assert any(f["type"] == "error" and f["code"] == "rate_limited" for f in frames)


async def test_marking_read_over_the_socket_reaches_every_tab():
    user = await make_user()
    notification = await notify(user)
    tab_one, tab_two = await open_socket(user), await open_socket(user)
    await tab_one.receive_json_from(timeout=2)
    await tab_two.receive_json_from(timeout=2)

    await tab_one.send_json_to({"type": "notification.read", "ref": "r1", "ids": [notification.pk]})

    frames = [await tab_one.receive_json_from(timeout=2) for _ in range(2)]
    assert {f["type"] for f in frames} == {"notification.read_ack", "notification.read"}
    ack = next(f for f in frames if f["type"] == "notification.read_ack")
    assert ack == {**ack, "ref": "r1", "changed": 1}
    other_tab = await tab_two.receive_json_from(timeout=2)
    assert (other_tab["type"], other_tab["ids"], other_tab["unread_count"]) == (
        "notification.read",
        [notification.pk],
        0,
    )
    assert await database_sync_to_async(Notification.objects.filter(read_at__isnull=True).count)() == 0
    await tab_one.disconnect()
    await tab_two.disconnect()


async def test_a_reconnecting_client_gets_exactly_what_it_missed():
    user = await make_user()
    socket = await open_socket(user)
    snapshot = await socket.receive_json_from(timeout=2)
    await notify(user, "seen")
    seen = await socket.receive_json_from(timeout=2)
    await socket.disconnect()

    for title in ("missed 1", "missed 2"):
        await notify(user, title)

    again = await open_socket(user, f"?since={seen['seq']}")
    frames = [await again.receive_json_from(timeout=2) for _ in range(2)]
    assert [(f["seq"], f["notification"]["title"]) for f in frames] == [(2, "missed 1"), (3, "missed 2")]
    assert await again.receive_nothing(timeout=0.2)
    assert snapshot["seq"] == 0
    await again.disconnect()


async def test_a_client_too_far_behind_gets_a_fresh_snapshot(settings):
    user = await make_user()
    socket = await open_socket(user, "?since=999")

    first = await socket.receive_json_from(timeout=2)

    assert first["type"] == "notification.snapshot"
    await socket.disconnect()


async def test_changing_the_password_ends_the_users_sockets():
    from tokshop.realtime.control import user_sockets_close

    user = await make_user()
    socket = await open_socket(user)
    await socket.receive_json_from(timeout=2)

    await database_sync_to_async(user_sockets_close)(user_id=user.pk, reason="password_changed")

    assert await closed_with(socket) == closecodes.SESSION_ENDED


async def test_a_socket_that_sees_a_gap_fetches_what_pub_sub_lost():
    from tokshop.realtime.envelope import envelope_body
    from tokshop.realtime.groups import user_group
    from tokshop.realtime.streams import backend

    user = await make_user()
    socket = await open_socket(user)
    await socket.receive_json_from(timeout=2)
    store = backend()
    # Numbered and kept, but published where nobody listens: as if pub/sub dropped it.
    store._script(
        keys=store.keys(user_group(user.pk)),
        args=[envelope_body("notification.created", {"lost": True}), store.length, "nowhere"],
    )

    await notify(user, "after the gap")

    frames = [await socket.receive_json_from(timeout=2) for _ in range(2)]
    assert [f["seq"] for f in frames] == [1, 2]
    assert frames[0]["lost"] is True
    assert frames[1]["notification"]["title"] == "after the gap"
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_an_expired_ticket_is_refused(settings):
    import asyncio

    settings.REALTIME = {**settings.REALTIME, "TICKET_TTL_SECONDS": 1}
    user = await make_user()
    ticket, _ = await database_sync_to_async(ws_ticket_issue)(user=user)
    await asyncio.sleep(1.2)

    socket = communicator(f"{PATH}?ticket={ticket}")
    await socket.connect()

    assert await closed_with(socket) == closecodes.UNAUTHENTICATED
