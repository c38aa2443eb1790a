"""The live room socket's entry rules and host controls, through the full ASGI application."""

import pytest
from channels.db import database_sync_to_async

from moderation.models import SanctionKind, SanctionScope
from moderation.services.sanctions import sanction_impose
from shows.models import ShowStatus, Visibility
from tokshop.realtime import closecodes
from tokshop.users.tests.factories import UserFactory

from .factories import FollowFactory, ShowFactory
from .sockets import closed_with, receive_type, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def make(factory, **kwargs):
    return factory(**kwargs)


async def test_anyone_watches_a_public_show_from_a_snapshot():
    show = await make(ShowFactory, live=True)
    socket = await room_socket(show.pk)

    snapshot = await socket.receive_json_from(timeout=2)

    assert snapshot["type"] == "room.snapshot"
    assert snapshot["show"]["status"] == "live"
    assert snapshot["you"] == {"user_id": None, "is_host": False, "can_moderate": False}
    await socket.send_json_to({"type": "show.pause", "ref": "a"})
    error = await receive_type(socket, "error")
    assert error["code"] == "sign_in_required"
    await socket.disconnect()


async def test_followers_only_and_private_shows_let_in_only_their_audience():
    followers_show = await make(ShowFactory, live=True, visibility=Visibility.FOLLOWERS)
    private_show = await make(ShowFactory, live=True, visibility=Visibility.PRIVATE)
    stranger, follower = await make(UserFactory), await make(UserFactory)
    await make(FollowFactory, follower=follower, seller=followers_show.seller)

    assert await closed_with(await room_socket(followers_show.pk, stranger)) == (
        closecodes.NOT_ALLOWED,
        "followers_only",
    )
    assert await closed_with(await room_socket(private_show.pk, stranger)) == (closecodes.NOT_ALLOWED, "not_invited")
    assert await closed_with(await room_socket(private_show.pk, stranger, "?key=wrong")) == (
        closecodes.NOT_ALLOWED,
        "not_invited",
    )
    assert await closed_with(await room_socket(987654321)) == (closecodes.NOT_FOUND, "not_found")

    for socket in (
        await room_socket(followers_show.pk, follower),
        await room_socket(private_show.pk, stranger, f"?key={private_show.private_token}"),
    ):
        assert (await socket.receive_json_from(timeout=2))["type"] == "room.snapshot"
        await socket.disconnect()


async def test_a_banned_user_is_kept_out_of_the_sellers_shows():
    show = await make(ShowFactory, live=True)
    user = await make(UserFactory)
    await database_sync_to_async(sanction_impose)(
        actor=show.seller,
        user=user,
        kind=SanctionKind.BAN,
        scope=SanctionScope.SELLER,
        seller=show.seller,
        reason="Spam",
    )

    assert await closed_with(await room_socket(show.pk, user)) == (closecodes.NOT_ALLOWED, "banned")


async def test_the_host_pauses_and_resumes_and_every_viewer_hears_it_in_order():
    show = await make(ShowFactory, live=True)
    host = await room_socket(show.pk, show.seller)
    viewer = await room_socket(show.pk)
    host_snapshot = await host.receive_json_from(timeout=2)
    assert host_snapshot["you"]["is_host"] is True
    snapshot = await viewer.receive_json_from(timeout=2)

    await host.send_json_to({"type": "show.pause", "ref": "p"})
    assert (await receive_type(host, "show.control_ack"))["status"] == ShowStatus.PAUSED
    await host.send_json_to({"type": "show.resume", "ref": "r"})

    paused = await receive_type(viewer, "show.status_changed")
    resumed = await receive_type(viewer, "show.status_changed")
    assert [paused["show"]["status"], resumed["show"]["status"]] == ["paused", "live"]
    # In order; the chat's system lines and presence counts may take the numbers in between.
    assert snapshot["seq"] < paused["seq"] < resumed["seq"]
    await host.disconnect()
    await viewer.disconnect()


async def test_a_viewer_cannot_use_host_controls():
    show = await make(ShowFactory, live=True)
    viewer_user = await make(UserFactory)
    socket = await room_socket(show.pk, viewer_user)
    await socket.receive_json_from(timeout=2)

    await socket.send_json_to({"type": "show.end", "ref": "x"})

    error = await receive_type(socket, "error")
    assert (error["ref"], error["code"]) == ("x", "not_host")
    await show.arefresh_from_db()
    assert show.status == ShowStatus.LIVE
    await socket.disconnect()
