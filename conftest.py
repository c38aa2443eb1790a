"""Fixtures shared by every app's tests: a clean Redis per test, users, API clients, sockets."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from rest_framework.test import APIClient

from auctions.services.durable import close_bid_writer
from tokshop.realtime.hub import close_hub
from tokshop.users.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    # The tests' Redis database is theirs alone: start every test from nothing.
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    # channels-redis keeps its receivers' count, lock and event loop on the layer object; each test
    # runs its own event loop, so each gets its own layer and nothing of an earlier test's sockets.
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def other_user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
async def loop_cleanup() -> AsyncIterator[None]:
    """Close what the test's event loop opened for the process: the hub and the bid writer."""
    yield
    await close_hub()
    await close_bid_writer()


ORIGIN = (b"origin", b"http://testserver")


def communicator(path: str, *, headers: list[tuple[bytes, bytes]] | None = None) -> WebsocketCommunicator:
    """A socket through the full ASGI application (origin check, auth, routing)."""
    from tokshop.asgi import application

    return WebsocketCommunicator(application, path, headers=[ORIGIN] if headers is None else headers)
