"""Two server processes on one Redis: a notification made through one reaches a socket on the other."""

import asyncio
import json
import urllib.request

import pytest
import websockets
from channels.db import database_sync_to_async
from django.test import Client

from tests.processes import asgi_server
from tokshop.users.services import email_verification_token_make
from tokshop.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return int(response.status)


@database_sync_to_async
def unverified_user_with_session():
    user = UserFactory(email_verified_at=None)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, email_verification_token_make(user=user)


async def test_a_notification_created_on_one_process_reaches_a_socket_on_the_other():
    session, token = await unverified_user_with_session()
    with asgi_server("first") as first, asgi_server("second") as second:
        async with websockets.connect(
            f"ws://{second}/ws/notifications/",
            origin=f"http://{second}",
            additional_headers={"Cookie": f"sessionid={session}"},
        ) as socket:
            snapshot = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert snapshot["type"] == "notification.snapshot"

            # Verifying the e-mail through the first process creates the welcome notification.
            status = await asyncio.to_thread(post_json, f"http://{first}/api/v1/auth/verify-email/", {"token": token})
            assert status == 200

            event = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert event["type"] == "notification.created"
            assert event["notification"]["title"] == "Welcome to Tokshop"
            assert event["seq"] == snapshot["seq"] + 1


@database_sync_to_async
def live_show_and_posters():
    from moderation.tests.factories import TrustedUserFactory
    from shows.tests.factories import ShowFactory

    show = ShowFactory(live=True)
    sessions = []
    for _ in range(2):
        client = Client()
        client.force_login(TrustedUserFactory())
        sessions.append(client.cookies["sessionid"].value)
    return show.pk, sessions


async def next_of(socket, type_):
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), 5))
        if event["type"] == type_:
            return event


async def test_r14_every_room_event_reaches_every_viewer_on_both_processes():
    show_id, (first_session, second_session) = await live_show_and_posters()
    with asgi_server("first") as first, asgi_server("second") as second:

        def room(address, session=None):
            headers = {"Cookie": f"sessionid={session}"} if session else {}
            return websockets.connect(
                f"ws://{address}/ws/shows/{show_id}/", origin=f"http://{address}", additional_headers=headers
            )

        async with (
            room(first, first_session) as poster_one,
            room(second, second_session) as poster_two,
            room(first) as viewer_one,
            room(first) as viewer_two,
            room(second) as viewer_three,
            room(second) as viewer_four,
        ):
            sockets = [poster_one, poster_two, viewer_one, viewer_two, viewer_three, viewer_four]
            for socket in sockets:
                assert (await next_of(socket, "room.snapshot"))["show"]["id"] == show_id

            await poster_one.send(json.dumps({"type": "chat.post", "ref": "a", "text": "Hello from one"}))
            await poster_two.send(json.dumps({"type": "chat.post", "ref": "b", "text": "Hello from two"}))
            for _ in range(5):
                await poster_one.send(json.dumps({"type": "reaction.send", "emoji": "heart"}))
                await poster_two.send(json.dumps({"type": "reaction.send", "emoji": "fire"}))

            for socket in sockets:
                # Counts and tallies are coalesced, so they arrive in any order among the chat lines.
                texts, tallied, counted = set(), False, False
                while len(texts) < 2 or not tallied or not counted:
                    event = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    if event["type"] == "chat.posted":
                        texts.add(event["message"]["text"])
                    tallied |= event["type"] == "reaction.tallied" and event["counts"] == {"heart": 5, "fire": 5}
                    counted |= event["type"] == "presence.count" and event["current"] == 6
                assert texts == {"Hello from one", "Hello from two"}
