"""Taking payment for an order: one small interface, the built-in test gateway and Stripe behind it.

The test gateway is used whenever STRIPE_SECRET_KEY is unset (development, tests, the demo). It
charges nothing; its card numbers are Stripe's test numbers, so clients behave the same with both.
With the Stripe keys set, `payment_gateway()` answers the Stripe gateway (payments/stripe_gateway.py).
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    TEST_CARD_AUTHENTICATION,
    TEST_CARD_DECLINED,
    TEST_CARD_SUCCESS,
    ChargeResult,
    ChargeStatus,
    PaymentGateway,
    RefundResult,
    TestGateway,
)
from .stripe_gateway import StripeGateway, stripe_gateway

__all__ = [
    "TEST_CARD_AUTHENTICATION",
    "TEST_CARD_DECLINED",
    "TEST_CARD_SUCCESS",
    "ChargeResult",
    "ChargeStatus",
    "PaymentGateway",
    "RefundResult",
    "StripeGateway",
    "TestGateway",
    "payment_gateway",
    "stripe_enabled",
    "stripe_gateway",
]


def stripe_enabled() -> bool:
    """True when the Stripe keys are set; all three go together, so a half-configured site refuses to start."""
    keys = {
        "STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": settings.STRIPE_PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
    }
    if not any(keys.values()):
        return False
    missing = [name for name, value in keys.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"Stripe needs {', '.join(missing)} as well (or none of the STRIPE_* keys).")
    return True


def payment_gateway() -> "TestGateway | StripeGateway":
    if stripe_enabled():
        return stripe_gateway()
    return TestGateway()
