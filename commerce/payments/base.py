"""The payment results and the built-in test gateway; payments/__init__.py chooses the gateway."""

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


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


@dataclass(frozen=True)
class RefundResult:
    amount_cents: int
    reference: str


class PaymentGateway(Protocol):
    """What every gateway does. Taking the money differs: the test gateway is handed a card number,
    Stripe never sees one from Tokshop (its Payment Element and saved cards do that part)."""

    def refund(self, *, payment_reference: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        """Give back part or all of a payment, once per idempotency key."""
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

    def refund(self, *, payment_reference: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        return RefundResult(amount_cents, "test_re_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24])
