"""Chat in the live room, through the full ASGI application: posting through the message check,
held messages, refusals that store nothing, deleting, and moderating from the room."""

import json

import pytest
from channels.db import database_sync_to_async

from moderation.models import AuditAction, HeldMessage, ModerationAction, Sanction, SanctionKind
from moderation.services.held import held_message_release
from moderation.services.reports import report_content_delete, report_create
from moderation.services.sanctions import sanction_impose
from moderation.tests.factories import TrustedUserFactory
from shows.models import ChatKind, ChatMessage, ShowStatus
from tokshop.realtime import closecodes
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory
from .sockets import closed_with, joined, make, receive_type, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def stored(**filters):
    return list(ChatMessage.objects.filter(**filters).order_by("id").values_list("kind", "text", "is_host"))


async def no_event(socket, type_, wait=0.4):
    """Nothing of `type_` arrives within `wait` seconds (other frames are skipped)."""
    while not await socket.receive_nothing(timeout=wait):
        message = await socket.receive_json_from(timeout=1)
        assert message["type"] != type_, message
    return True


async def test_a_message_reaches_everyone_once_and_is_stored():
    show = await make(ShowFactory, live=True)
    alice = await make(TrustedUserFactory, display_name="Alice")
    poster, _ = await joined(show, alice)
    watcher, snapshot = await joined(show)
    host, _ = await joined(show, show.seller)

    await poster.send_json_to({"type": "chat.post", "ref": "m1", "text": "Is the lamp brass?"})
    ack = await receive_type(poster, "chat.post_ack")
    posted = await receive_type(watcher, "chat.posted")

    assert (ack["ref"], ack["status"], ack["text"], ack["note"]) == ("m1", "posted", "Is the lamp brass?", "")
    assert posted["message"]["id"] == ack["id"]
    assert posted["message"]["sender"] == {"id": alice.pk, "name": "Alice"}
    assert (posted["message"]["kind"], posted["message"]["is_host"]) == ("chat", False)
    assert posted["seq"] > snapshot["seq"]
    await host.send_json_to({"type": "chat.post", "ref": "h1", "text": "Solid brass, yes"})
    from_host = await receive_type(watcher, "chat.posted")
    assert from_host["message"]["is_host"] is True
    assert await stored(show=show) == [("chat", "Is the lamp brass?", False), ("chat", "Solid brass, yes", True)]
    for socket in (poster, watcher, host):
        await socket.disconnect()


async def test_a_retried_frame_makes_one_message():
    show = await make(ShowFactory, live=True)
    poster, _ = await joined(show, await make(TrustedUserFactory))
    watcher, _ = await joined(show)

    for _ in range(3):
        await poster.send_json_to({"type": "chat.post", "ref": "same", "text": "Hello!"})
    acks = [await receive_type(poster, "chat.post_ack") for _ in range(3)]

    assert len({ack["id"] for ack in acks}) == 1
    assert await stored(show=show) == [("chat", "Hello!", False)]
    await receive_type(watcher, "chat.posted")
    assert await no_event(watcher, "chat.posted")
    await poster.disconnect()
    await watcher.disconnect()


async def test_shouting_is_posted_calmed_and_the_sender_is_told():
    show = await make(ShowFactory, live=True)
    poster, _ = await joined(show, await make(TrustedUserFactory))

    await poster.send_json_to({"type": "chat.post", "ref": "c", "text": "THIS LAMP IS AMAZING"})
    ack = await receive_type(poster, "chat.post_ack")

    assert ack["status"] == "posted"
    assert ack["text"] != "THIS LAMP IS AMAZING"
    assert "capitals" in ack["note"]
    await poster.disconnect()


async def test_a_held_message_goes_to_the_staff_only_until_released():
    show = await make(ShowFactory, live=True)
    sender = await make(TrustedUserFactory)
    poster, _ = await joined(show, sender)
    watcher, _ = await joined(show)
    host, _ = await joined(show, show.seller)

    await poster.send_json_to({"type": "chat.post", "ref": "p", "text": "Text me on 555 123 4567"})
    ack = await receive_type(poster, "chat.post_ack")
    held = await receive_type(host, "chat.held")

    assert (ack["status"], held["held"]["id"]) == ("held", ack["id"])
    assert "moderator" in ack["note"]
    assert "seq" not in held
    assert await no_event(watcher, "chat.posted")
    assert await stored(show=show) == []
    # Retrying the frame finds the same held message.
    await poster.send_json_to({"type": "chat.post", "ref": "p", "text": "Text me on 555 123 4567"})
    assert (await receive_type(poster, "chat.post_ack"))["id"] == ack["id"]
    assert await database_sync_to_async(HeldMessage.objects.count)() == 1

    await database_sync_to_async(held_message_release)(actor=show.seller, held_id=ack["id"])

    released = await receive_type(watcher, "chat.posted")
    assert released["message"]["text"] == "Text me on 555 123 4567"
    assert (await receive_type(host, "chat.held_decided"))["id"] == ack["id"]
    assert await stored(show=show, held_message_id=ack["id"]) == [("chat", "Text me on 555 123 4567", False)]
    for socket in (poster, watcher, host):
        await socket.disconnect()


@pytest.mark.parametrize(
    ("setup", "frame", "code"),
    [
        ("muted", {"text": "hello"}, "muted"),
        ("chat_off", {"text": "hello"}, "chat_disabled"),
        ("ended", {"text": "hello"}, "show_ended"),
        (None, {"text": 42}, "invalid_text"),
        (None, {"text": "nul\u0000byte"}, "invalid_text"),
        (None, {}, "invalid_text"),
        (None, {"text": "   "}, "empty"),
        (None, {"text": "x" * 501}, "too_long"),
        (None, {"text": "you are a fucking idiot"}, "profanity"),
    ],
)
async def test_a_refused_post_stores_and_broadcasts_nothing(setup, frame, code):
    show = await make(ShowFactory, live=True)
    sender = await make(TrustedUserFactory)
    if setup == "muted":
        await database_sync_to_async(sanction_impose)(
            actor=show.seller, user=sender, kind="mute", reason="Spam", scope="seller", seller=show.seller
        )
    elif setup == "chat_off":
        show.chat_enabled = False
        await show.asave()
    elif setup == "ended":
        show.status, show.ended_at = ShowStatus.ENDED, show.started_at
        await show.asave()
    poster, _ = await joined(show, sender)
    watcher, _ = await joined(show)

    await poster.send_json_to({"type": "chat.post", "ref": "r", **frame})
    error = await receive_type(poster, "error")

    assert (error["ref"], error["code"]) == ("r", code)
    assert error["message"]
    assert await stored(show=show) == []
    assert await no_event(watcher, "chat.posted")
    await poster.disconnect()
    await watcher.disconnect()


async def test_the_host_still_posts_with_the_chat_off():
    show = await make(ShowFactory, live=True, chat_enabled=False)
    host, _ = await joined(show, show.seller)

    await host.send_json_to({"type": "chat.post", "ref": "h", "text": "Chat is off, questions later"})

    assert (await receive_type(host, "chat.post_ack"))["status"] == "posted"
    await host.disconnect()


async def test_a_scheduled_show_has_its_chat_open_before_it_starts():
    show = await make(ShowFactory)
    poster, _ = await joined(show, await make(TrustedUserFactory))

    await poster.send_json_to({"type": "chat.post", "ref": "early", "text": "Can't wait!"})

    assert (await receive_type(poster, "chat.post_ack"))["status"] == "posted"
    await poster.disconnect()


async def test_a_sixth_message_in_ten_seconds_is_rate_limited():
    show = await make(ShowFactory, live=True)
    poster, _ = await joined(show, await make(TrustedUserFactory))

    for n in range(6):
        await poster.send_json_to({"type": "chat.post", "ref": f"r{n}", "text": f"message number {n}"})
    frames = []
    while len(frames) < 6:
        frame = await poster.receive_json_from(timeout=2)
        if frame["type"] in {"chat.post_ack", "error"}:
            frames.append(frame)

    assert [f["type"] for f in frames[:5]] == ["chat.post_ack"] * 5
    assert (frames[5]["type"], frames[5]["code"], frames[5]["ref"]) == ("error", "rate_limited", "r5")
    assert len(await stored(show=show)) == 5
    await poster.disconnect()


async def test_anonymous_viewers_and_unknown_types_are_refused_with_nothing_stored():
    show = await make(ShowFactory, live=True)
    watcher, _ = await joined(show)

    await watcher.send_json_to({"type": "chat.post", "ref": "a", "text": "hi"})
    assert (await receive_type(watcher, "error"))["code"] == "sign_in_required"
    await watcher.send_json_to({"type": "chat.shout", "ref": "b", "text": "hi"})
    assert (await receive_type(watcher, "error"))["code"] == "unknown_type"
    assert await stored(show=show) == []
    await watcher.disconnect()


async def test_an_oversize_frame_closes_with_1009_and_stores_nothing():
    show = await make(ShowFactory, live=True)
    poster, _ = await joined(show, await make(TrustedUserFactory))

    await poster.send_to(text_data=json.dumps({"type": "chat.post", "text": "x" * 9000}))

    assert await closed_with(poster) == (closecodes.MESSAGE_TOO_BIG, "frame_too_big")
    assert await stored(show=show) == []


async def test_a_moderator_deletes_a_message_for_everyone_audited():
    show = await make(ShowFactory, live=True)
    sender = await make(TrustedUserFactory)
    poster, _ = await joined(show, sender)
    watcher, _ = await joined(show)
    host, _ = await joined(show, show.seller)
    await poster.send_json_to({"type": "chat.post", "ref": "m", "text": "Buy elsewhere"})
    message_id = (await receive_type(poster, "chat.post_ack"))["id"]

    await poster.send_json_to({"type": "chat.delete", "ref": "d0", "id": message_id})
    assert (await receive_type(poster, "error"))["code"] == "not_moderator"
    await host.send_json_to({"type": "chat.delete", "ref": "d1", "id": message_id, "reason": "Off-platform"})

    assert (await receive_type(host, "chat.delete_ack"))["id"] == message_id
    assert (await receive_type(watcher, "chat.deleted"))["id"] == message_id
    audit = await database_sync_to_async(ModerationAction.objects.get)(action=AuditAction.CONTENT_DELETE)
    assert (audit.actor_id, audit.target_user_id, audit.show_id, audit.reason) == (
        show.seller_id,
        sender.pk,
        show.pk,
        "Off-platform",
    )
    later, snapshot = await joined(show)
    assert snapshot["chat"]["messages"] == []
    await host.send_json_to({"type": "chat.delete", "ref": "d2", "id": 987654})
    assert (await receive_type(host, "error"))["code"] == "not_found"
    for socket in (poster, watcher, host, later):
        await socket.disconnect()


async def test_a_mute_from_the_room_stops_posting_at_once():
    show = await make(ShowFactory, live=True)
    sender = await make(TrustedUserFactory)
    poster, _ = await joined(show, sender)
    host, _ = await joined(show, show.seller)
    await poster.send_json_to({"type": "chat.post", "ref": "1", "text": "first"})
    await receive_type(poster, "chat.post_ack")

    await host.send_json_to(
        {"type": "room.moderate", "ref": "m", "user_id": sender.pk, "action": "mute", "minutes": 10, "reason": "Spam"}
    )
    ack = await receive_type(host, "room.moderate_ack")
    await poster.send_json_to({"type": "chat.post", "ref": "2", "text": "second"})

    assert (ack["user_id"], ack["action"], ack["scope"]) == (sender.pk, "mute", "show")
    assert ack["expires_at"]
    assert (await receive_type(poster, "error"))["code"] == "muted"
    assert await stored(show=show) == [("chat", "first", False)]
    sanction = await database_sync_to_async(Sanction.objects.get)(pk=ack["sanction_id"])
    assert (sanction.kind, sanction.show_id, sanction.created_by_id) == (SanctionKind.MUTE, show.pk, show.seller_id)
    await poster.disconnect()
    await host.disconnect()


async def test_a_ban_from_the_room_closes_the_banned_users_room_socket():
    show = await make(ShowFactory, live=True)
    sender = await make(TrustedUserFactory)
    poster, _ = await joined(show, sender)
    host, _ = await joined(show, show.seller)

    await host.send_json_to(
        {
            "type": "room.moderate",
            "ref": "b",
            "user_id": sender.pk,
            "action": "ban",
            "scope": "seller",
            "reason": "Abuse",
        }
    )

    assert (await receive_type(host, "room.moderate_ack"))["scope"] == "seller"
    message = await poster.receive_output(timeout=2)
    while message["type"] != "websocket.close":
        message = await poster.receive_output(timeout=2)
    assert (message["code"], message["reason"]) == (closecodes.NOT_ALLOWED, "banned")
    await poster.disconnect()
    assert await closed_with(await room_socket(show.pk, sender)) == (closecodes.NOT_ALLOWED, "banned")
    await host.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"action": "kick", "reason": "x"}, "invalid_action"),
        ({"action": "mute", "reason": ""}, "invalid_reason"),
        ({"action": "mute", "reason": "x", "minutes": 0}, "invalid_minutes"),
        ({"action": "mute", "reason": "x", "minutes": "10"}, "invalid_minutes"),
        ({"action": "mute", "reason": "x", "scope": "global"}, "invalid_scope"),
        ({"action": "warn", "reason": "x", "minutes": 5}, "invalid"),
        ({"action": "ban", "reason": "x", "user_id": "host"}, "host"),
        ({"action": "ban", "reason": "x", "user_id": 987654}, "not_found"),
        ({"action": "ban", "reason": "x", "user_id": True}, "invalid_user"),
    ],
)
async def test_bad_moderation_orders_sanction_nobody(frame, code):
    show = await make(ShowFactory, live=True)
    target = await make(UserFactory)
    host, _ = await joined(show, show.seller)
    user_id = {"host": show.seller_id}.get(frame.get("user_id"), frame.get("user_id", target.pk))

    await host.send_json_to({"type": "room.moderate", "ref": "x", **frame, "user_id": user_id})

    assert (await receive_type(host, "error"))["code"] == code
    assert not await database_sync_to_async(Sanction.objects.exists)()
    await host.disconnect()


async def test_a_viewer_cannot_moderate():
    show = await make(ShowFactory, live=True)
    viewer, target = await make(UserFactory), await make(UserFactory)
    socket, _ = await joined(show, viewer)

    await socket.send_json_to({"type": "room.moderate", "user_id": target.pk, "action": "ban", "reason": "x"})

    assert (await receive_type(socket, "error"))["code"] == "not_moderator"
    assert not await database_sync_to_async(Sanction.objects.exists)()
    await socket.disconnect()


async def test_a_reported_message_taken_down_disappears_from_the_room():
    show = await make(ShowFactory, live=True)
    sender, reporter = await make(TrustedUserFactory), await make(UserFactory)
    poster, _ = await joined(show, sender)
    await poster.send_json_to({"type": "chat.post", "ref": "m", "text": "Nasty remark"})
    message_id = (await receive_type(poster, "chat.post_ack"))["id"]
    staff = await make(UserFactory, is_staff=True)
    from moderation.services.moderators import staff_moderator_appoint

    await database_sync_to_async(staff_moderator_appoint)(user=staff)
    report, _ = await database_sync_to_async(report_create)(
        reporter=reporter, kind="message", object_id=message_id, reason="harassment"
    )

    await database_sync_to_async(report_content_delete)(actor=staff, report_id=report.pk, reason="Harassment")

    assert (await receive_type(poster, "chat.deleted"))["id"] == message_id
    assert await stored(show=show, deleted_at__isnull=True) == []
    await poster.disconnect()


async def test_status_changes_and_highlights_are_chat_lines():
    from shows.services.chat import chat_product_highlight

    from .factories import LineupItemFactory

    show = await make(ShowFactory, live=True)
    item = await make(LineupItemFactory, show=show)
    host, _ = await joined(show, show.seller)
    watcher, _ = await joined(show)

    await host.send_json_to({"type": "show.pause", "ref": "p"})
    paused = await receive_type(watcher, "chat.posted")
    await database_sync_to_async(chat_product_highlight)(show_id=show.pk, item_id=item.pk)
    highlight = await receive_type(watcher, "chat.posted")

    assert (paused["message"]["kind"], paused["message"]["sender"]) == (ChatKind.SYSTEM, None)
    assert "paused" in paused["message"]["text"]
    assert highlight["message"]["kind"] == ChatKind.PRODUCT
    assert highlight["message"]["product"]["item_id"] == item.pk
    await host.disconnect()
    await watcher.disconnect()


async def test_the_snapshot_holds_the_last_fifty_messages_and_the_staff_queue():
    from shows.services.chat import chat_system_post

    show = await make(ShowFactory, live=True)
    for n in range(55):
        await database_sync_to_async(chat_system_post)(show_id=show.pk, text=f"line {n}")

    _, snapshot = await joined(show)
    host, staff_snapshot = await joined(show, show.seller)

    texts = [m["text"] for m in snapshot["chat"]["messages"]]
    assert texts == [f"line {n}" for n in range(5, 55)]
    assert "held" not in snapshot
    assert "stats" not in snapshot
    assert staff_snapshot["held"] == []
    assert staff_snapshot["stats"]["chat_messages"] == 0
    await host.disconnect()
