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
