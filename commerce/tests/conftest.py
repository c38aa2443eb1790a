"""Stripe for the commerce tests: a local fake of its API, and signed webhook deliveries."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from . import stripe_fake

WEBHOOK_SECRET = "whsec_tokshop_test"


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[stripe_fake.FakeStripe]:
    fake, stop = stripe_fake.start()
    yield fake
    stop()


@pytest.fixture
def fake_stripe(stripe_server: stripe_fake.FakeStripe, settings: Any) -> Iterator[stripe_fake.FakeStripe]:
    """Stripe switched on and pointed at the fake, emptied for each test."""
    stripe_server.reset()
    settings.STRIPE_SECRET_KEY = "sk_test_tokshop"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_tokshop"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_server.url
    # Retries are the tests' to make, so each one is seen.
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield stripe_server
    stripe_server.reset()


def signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """A delivery as Stripe sends it: the JSON body and its Stripe-Signature header."""
    payload = json.dumps(event, indent=2)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp if timestamp is not None else int(time.time())
    )
    return payload.encode(), header
