"""Stripe behind Tokshop's payment interface, through stripe-python's StripeClient.

Every call that creates something at Stripe carries an idempotency key derived from what it is
for (an order, a refund number), never a random one: a task retried after a timeout then finds the
object its first attempt made instead of making a second one.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

import stripe
from django.conf import settings

from .base import ChargeResult, ChargeStatus, RefundResult


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    # Stripe's fingerprint of the card number: equal for one card saved by several accounts.
    fingerprint: str = ""


@dataclass(frozen=True)
class IntentSecret:
    """What a browser needs to finish a PaymentIntent or SetupIntent with Stripe.js."""

    id: str
    client_secret: str
    status: str


@dataclass(frozen=True)
class PaymentState:
    """A PaymentIntent as Stripe holds it now: the one truth webhooks are reconciled against."""

    id: str
    status: str
    amount_refunded_cents: int
    failure_message: str


def _card(method: stripe.PaymentMethod) -> SavedCard:
    card = method.card
    return SavedCard(
        id=method.id,
        brand=(card.brand if card else "") or "card",
        last4=card.last4 if card else "",
        exp_month=card.exp_month if card else 0,
        exp_year=card.exp_year if card else 0,
        fingerprint=(card.fingerprint if card else "") or "",
    )


class StripeGateway:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    # --- Customers and saved cards ------------------------------------------------------------

    def customer_create(self, *, email: str, name: str, user_id: int) -> str:
        customer = self.client.v1.customers.create(
            params={"email": email, "name": name, "metadata": {"tokshop_user_id": str(user_id)}},
            options={"idempotency_key": f"user-{user_id}-customer"},
        )
        return customer.id

    def setup_intent_create(self, *, customer_id: str) -> IntentSecret:
        # A new SetupIntent each time the buyer opens the form: an abandoned one costs nothing.
        intent = self.client.v1.setup_intents.create(params={"customer": customer_id, "usage": "off_session"})
        return IntentSecret(intent.id, intent.client_secret or "", intent.status)

    def card_list(self, *, customer_id: str) -> list[SavedCard]:
        methods = self.client.v1.payment_methods.list(params={"customer": customer_id, "type": "card"})
        return [_card(method) for method in methods.data]

    def card_get(self, *, payment_method_id: str) -> tuple[SavedCard, str]:
        """The card and the customer it is attached to ("" when none)."""
        method = self.client.v1.payment_methods.retrieve(payment_method_id)
        customer = method.customer
        return _card(method), customer if isinstance(customer, str) else (customer.id if customer else "")

    def card_detach(self, *, payment_method_id: str) -> None:
        self.client.v1.payment_methods.detach(payment_method_id)

    def customer_default_card(self, *, customer_id: str) -> str:
        invoice_settings = self.client.v1.customers.retrieve(customer_id).invoice_settings
        method = invoice_settings.default_payment_method if invoice_settings else None
        return method if isinstance(method, str) else (method.id if method else "")

    def customer_default_card_set(self, *, customer_id: str, payment_method_id: str) -> None:
        self.client.v1.customers.update(
            customer_id, params={"invoice_settings": {"default_payment_method": payment_method_id}}
        )

    def setup_intent_card(self, *, setup_intent_id: str) -> tuple[str, str]:
        """The customer and payment method of a SetupIntent that succeeded ("" when it has not)."""
        intent = self.client.v1.setup_intents.retrieve(setup_intent_id)
        if intent.status != "succeeded":
            return "", ""
        method = intent.payment_method
        method_id = method if isinstance(method, str) else (method.id if method else "")
        customer = intent.customer
        customer_id = customer if isinstance(customer, str) else (customer.id if customer else "")
        return customer_id, method_id

    # --- Payments ------------------------------------------------------------------------------

    def payment_intent_create(
        self, *, amount_cents: int, currency: str, customer_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> IntentSecret:
        intent = self.client.v1.payment_intents.create(
            params={
                "amount": amount_cents,
                "currency": currency.lower(),
                "customer": customer_id,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
        return IntentSecret(intent.id, intent.client_secret or "", intent.status)

    def payment_intent_secret(self, *, payment_intent_id: str) -> IntentSecret:
        intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        return IntentSecret(intent.id, intent.client_secret or "", intent.status)

    def payment_intent_cancel(self, *, payment_intent_id: str) -> str:
        """Cancel a payment not taken yet; answers the intent's status (a succeeded one stays so)."""
        intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        if intent.status in ("succeeded", "canceled", "processing"):
            return intent.status
        return self.client.v1.payment_intents.cancel(payment_intent_id).status

    def payment_state(self, *, payment_intent_id: str) -> PaymentState:
        intent = self.client.v1.payment_intents.retrieve(payment_intent_id, params={"expand": ["latest_charge"]})
        charge = intent.latest_charge
        error = intent.last_payment_error
        return PaymentState(
            id=intent.id,
            status=intent.status,
            amount_refunded_cents=charge.amount_refunded if charge and not isinstance(charge, str) else 0,
            failure_message=(error.message or "") if error else "",
        )

    def charge_off_session(
        self,
        *,
        amount_cents: int,
        currency: str,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        """Charge a saved card while the buyer is away (an auction they won, say)."""
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "customer": customer_id,
                    "payment_method": payment_method_id,
                    "confirm": True,
                    "off_session": True,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            status = ChargeStatus.REQUIRES_ACTION if error.code == "authentication_required" else ChargeStatus.DECLINED
            return ChargeResult(status, amount_cents, currency, "", error.user_message or "Your card was declined.")
        if intent.status == "succeeded":
            return ChargeResult(ChargeStatus.SUCCEEDED, amount_cents, currency, intent.id, "Payment accepted.")
        if intent.status == "requires_action":
            # Stripe raises authentication_required off-session; some servers answer the state instead.
            return ChargeResult(
                ChargeStatus.REQUIRES_ACTION,
                amount_cents,
                currency,
                intent.id,
                "Your bank asks you to confirm this payment: pay from the order page.",
            )
        failure = intent.last_payment_error
        message = (failure.message if failure else "") or "Your card was declined."
        return ChargeResult(ChargeStatus.DECLINED, amount_cents, currency, intent.id, message)

    def refund(self, *, payment_reference: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        refund = self.client.v1.refunds.create(
            params={"payment_intent": payment_reference, "amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return RefundResult(int(refund.amount), refund.id)


@cache
def _client(secret_key: str, api_base: str, max_network_retries: int) -> stripe.StripeClient:
    options: dict[str, Any] = {"max_network_retries": max_network_retries}
    if api_base:
        options["base_addresses"] = {"api": api_base}
    return stripe.StripeClient(secret_key, **options)


def stripe_gateway() -> StripeGateway:
    # One client (and its connection pool) per configuration, shared by every request of a process.
    return StripeGateway(
        _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES)
    )
