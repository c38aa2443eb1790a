"""Taking payment for an order: one small interface, and the built-in test gateway behind it.

The test gateway is used whenever STRIPE_SECRET_KEY is unset (development, tests, the demo). It
charges nothing; its card numbers are Stripe's test numbers, so clients behave the same with both.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    REQUIRES_ACTION = "requires_action"


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    amount_cents: int
    currency: str
    reference: str
    message: str


class PaymentGateway(Protocol):
    def charge(self, *, amount_cents: int, currency: str, card_number: str, idempotency_key: str) -> ChargeResult:
        """Charge a card once per idempotency key."""
        ...


TEST_CARD_SUCCESS = "4242424242424242"
TEST_CARD_DECLINED = "4000000000000002"
TEST_CARD_AUTHENTICATION = "4000002500003155"


class TestGateway:
    """Answers by card number, like Stripe's test mode; any other number is declined."""

    def charge(self, *, amount_cents: int, currency: str, card_number: str, idempotency_key: str) -> ChargeResult:
        reference = "test_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        if card_number == TEST_CARD_SUCCESS:
            return ChargeResult(ChargeStatus.SUCCEEDED, amount_cents, currency, reference, "Payment accepted.")
        if card_number == TEST_CARD_AUTHENTICATION:
            return ChargeResult(
                ChargeStatus.REQUIRES_ACTION,
                amount_cents,
                currency,
                reference,
                "Your bank asks you to confirm this payment (3-D Secure), which the test gateway cannot do: "
                "use another card.",
            )
        return ChargeResult(ChargeStatus.DECLINED, amount_cents, currency, reference, "Your card was declined.")


def payment_gateway() -> PaymentGateway:
    if settings.STRIPE_SECRET_KEY:
        # Stripe is its own issue; refusing to start beats taking orders nobody can pay for.
        raise ImproperlyConfigured("Stripe payments are not part of this build: unset STRIPE_SECRET_KEY.")
    return TestGateway()
