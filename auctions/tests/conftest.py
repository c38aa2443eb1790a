"""Stripe's local fake for settlement's tests: the same fixtures commerce's tests use."""

from commerce.tests.conftest import fake_stripe, stripe_server  # noqa: F401
