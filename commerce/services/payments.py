"""Paying through Stripe: customers and saved cards, a PaymentIntent per order, off-session charges,
and bringing an order in line with what Stripe holds (the one path webhooks and redirects share)."""

from dataclasses import dataclass

import stripe
from django.db import transaction

from tokshop.core.errors import Conflict, NotFound
from tokshop.users.models import User
from tokshop.users.services_links import account_signals_record

from ..models import Order, OrderStatus, PaymentCustomer
from ..payments import ChargeStatus, StripeGateway, payment_gateway
from ..payments.stripe_gateway import IntentSecret, SavedCard
from .inventory import stock_release
from .orders import (
    PaymentOutcome,
    _order_get_for_update,
    _order_hold_stock,
    _order_require,
    order_mark_paid,
    order_payment_failed,
)
from .refunds import REFUNDABLE, order_refund_record

# Shown by the pages and the API when Stripe cannot be reached.
PAYMENTS_UNAVAILABLE = "Payments are unavailable for a moment: please try again shortly."
AUTHENTICATION_MESSAGE = "Your bank asks you to confirm this payment: finish it with the payment form."


def stripe_required() -> StripeGateway:
    gateway = payment_gateway()
    if not isinstance(gateway, StripeGateway):
        raise Conflict(
            "Saved cards and the payment form need Stripe, which this site does not use: pay with a card number.",
            code="stripe_not_configured",
        )
    return gateway


def payment_customer_get_or_create(*, user: User) -> str:
    """The buyer's Stripe customer id, made on first use.

    Two first uses at once both reach Stripe with one idempotency key, so they get one customer.
    """
    existing = PaymentCustomer.objects.filter(user=user).values_list("reference", flat=True).first()
    if existing:
        return existing
    reference = stripe_required().customer_create(email=user.email, name=user.display_name, user_id=user.pk)
    customer, _ = PaymentCustomer.objects.get_or_create(user=user, defaults={"reference": reference})
    return customer.reference


@dataclass(frozen=True)
class CardRow:
    card: SavedCard
    is_default: bool


def card_list(*, user: User) -> list[CardRow]:
    """The buyer's saved cards at Stripe, the default one first."""
    gateway = stripe_required()
    customer_id = PaymentCustomer.objects.filter(user=user).values_list("reference", flat=True).first()
    if not customer_id:
        return []
    default = gateway.customer_default_card(customer_id=customer_id)
    cards = gateway.card_list(customer_id=customer_id)
    # Also catches cards saved before fingerprints were recorded, or whose confirmation never came back.
    for card in cards:
        account_signals_record(user_id=user.pk, card_fingerprint=card.fingerprint)
    rows = [CardRow(card, card.id == default) for card in cards]
    return sorted(rows, key=lambda row: not row.is_default)


def card_setup_start(*, user: User) -> IntentSecret:
    """A SetupIntent the browser confirms with the Payment Element to save a card for later."""
    return stripe_required().setup_intent_create(customer_id=payment_customer_get_or_create(user=user))


def _card_owned(*, gateway: StripeGateway, user: User, payment_method_id: str) -> str:
    customer_id = PaymentCustomer.objects.filter(user=user).values_list("reference", flat=True).first()
    if not customer_id or not payment_method_id.startswith("pm_"):
        raise NotFound("No such card.")
    try:
        _, owner = gateway.card_get(payment_method_id=payment_method_id)
    except stripe.InvalidRequestError as error:
        raise NotFound("No such card.") from error
    # Someone else's card answers "not found", so its existence is not revealed.
    if owner != customer_id:
        raise NotFound("No such card.")
    return customer_id


def card_default_set(*, user: User, payment_method_id: str) -> None:
    """Make one of the buyer's saved cards the one charged off-session (auctions they win)."""
    gateway = stripe_required()
    customer_id = _card_owned(gateway=gateway, user=user, payment_method_id=payment_method_id)
    gateway.customer_default_card_set(customer_id=customer_id, payment_method_id=payment_method_id)


def card_remove(*, user: User, payment_method_id: str) -> None:
    gateway = stripe_required()
    _card_owned(gateway=gateway, user=user, payment_method_id=payment_method_id)
    gateway.card_detach(payment_method_id=payment_method_id)


def card_setup_succeeded(*, setup_intent_id: str) -> None:
    """A card was saved: it becomes the default when the buyer has none, and its fingerprint is
    recorded for linked-account checks. Safe to repeat."""
    gateway = stripe_required()
    customer_id, payment_method_id = gateway.setup_intent_card(setup_intent_id=setup_intent_id)
    owner_id = PaymentCustomer.objects.filter(reference=customer_id).values_list("user_id", flat=True).first()
    if not payment_method_id or owner_id is None:
        return
    card, _ = gateway.card_get(payment_method_id=payment_method_id)
    account_signals_record(user_id=owner_id, card_fingerprint=card.fingerprint)
    if not gateway.customer_default_card(customer_id=customer_id):
        gateway.customer_default_card_set(customer_id=customer_id, payment_method_id=payment_method_id)


@transaction.atomic
def order_payment_start(*, buyer: User, order_id: int) -> IntentSecret:
    """The order's one PaymentIntent, made on first use, for the Payment Element to confirm.

    Its idempotency key is the order's, so a repeated or concurrent call gets the same intent.
    """
    gateway = stripe_required()
    order = _order_get_for_update(order_id=order_id, buyer=buyer)
    _order_require(order, OrderStatus.PENDING_PAYMENT)
    _order_hold_stock(order)
    if order.payment_reference.startswith("pi_"):
        return gateway.payment_intent_secret(payment_intent_id=order.payment_reference)
    intent = gateway.payment_intent_create(
        amount_cents=order.total_cents,
        currency=order.currency,
        customer_id=payment_customer_get_or_create(user=buyer),
        idempotency_key=f"order-{order.pk}-payment",
        metadata={"tokshop_order_id": str(order.pk)},
    )
    order.payment_reference = intent.id
    order.save(update_fields=["payment_reference"])
    return intent


@transaction.atomic
def order_payment_sync(*, order_id: int) -> Order:
    """Bring an order in line with its PaymentIntent as Stripe holds it now.

    Whatever order events arrive in, the order ends as the provider's object says: paid once it
    succeeded, refunded as far as Stripe refunded it, the last failure kept while it awaits payment.
    Each change is made only when it differs, so repeating the call changes nothing.
    """
    order = Order.objects.select_for_update().select_related("buyer", "seller").get(pk=order_id)
    if not order.payment_reference.startswith("pi_"):
        return order
    state = stripe_required().payment_state(payment_intent_id=order.payment_reference)
    if state.status == "succeeded" and order.status == OrderStatus.PENDING_PAYMENT:
        try:
            with transaction.atomic():
                order_mark_paid(order, actor=None, reference=state.id)
        except Conflict:
            _order_payment_give_back(order, reason="Sold out before the payment arrived")
    elif state.status == "succeeded" and order.status == OrderStatus.CANCELLED and not order.refunded_cents:
        _order_payment_give_back(order, reason="Paid after the order was cancelled")
    elif order.status == OrderStatus.PENDING_PAYMENT:
        if state.status == "requires_action" and order.payment_failure != AUTHENTICATION_MESSAGE:
            order_payment_failed(order, actor=None, status=ChargeStatus.REQUIRES_ACTION, message=AUTHENTICATION_MESSAGE)
        elif (
            state.status == "requires_payment_method"
            and state.failure_message
            and order.payment_failure != state.failure_message[:200]
        ):
            order_payment_failed(order, actor=None, status=ChargeStatus.DECLINED, message=state.failure_message)
    if order.status in REFUNDABLE and state.amount_refunded_cents > order.refunded_cents:
        # Refunded outside Tokshop (Stripe's dashboard): record what Stripe gave back.
        order_refund_record(
            order,
            amount_cents=min(state.amount_refunded_cents, order.total_cents) - order.refunded_cents,
            reference="",
            actor=None,
            reason="Refunded at Stripe",
        )
    return order


def order_payment_cancel(*, order_id: int) -> None:
    """Cancel the PaymentIntent of a cancelled order, so it can no longer be paid. Safe to repeat.

    A payment that succeeded meanwhile is left as it is: its webhook gives it back.
    """
    order = Order.objects.get(pk=order_id)
    gateway = payment_gateway()
    if (
        order.status == OrderStatus.CANCELLED
        and order.payment_reference.startswith("pi_")
        and isinstance(gateway, StripeGateway)
    ):
        gateway.payment_intent_cancel(payment_intent_id=order.payment_reference)


def _order_payment_give_back(order: Order, *, reason: str) -> None:
    """A payment the order can no longer honour (its stock is gone, or it was cancelled) goes back in full.

    The key is the order's, so a replayed event never refunds twice at Stripe.
    """
    stock_release(reservation_ids=list(order.reservations.active().values_list("pk", flat=True)))
    result = stripe_required().refund(
        payment_reference=order.payment_reference,
        amount_cents=order.total_cents,
        idempotency_key=f"order-{order.pk}-refund-unhonoured",
    )
    order_refund_record(order, amount_cents=result.amount_cents, reference=result.reference, actor=None, reason=reason)


@transaction.atomic
def order_charge_saved_card(*, order_id: int) -> PaymentOutcome:
    """Charge an order awaiting payment to its buyer's default saved card, off-session.

    For orders the buyer did not check out themselves (an auction won). The idempotency key is the
    order's and the card's: run again after a timeout, it finds the first attempt's payment, and an
    order already paid is left alone. A decline keeps the order awaiting payment, with the reason.
    """
    order = Order.objects.select_for_update().select_related("buyer", "seller").filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    if order.status != OrderStatus.PENDING_PAYMENT:
        return PaymentOutcome(order=order, status=ChargeStatus.SUCCEEDED, message="Already paid.")
    gateway = stripe_required()
    customer_id = PaymentCustomer.objects.filter(user=order.buyer).values_list("reference", flat=True).first()
    payment_method_id = gateway.customer_default_card(customer_id=customer_id) if customer_id else ""
    if not customer_id or not payment_method_id:
        raise Conflict("The buyer has no saved card to charge.", code="no_saved_card")
    _order_hold_stock(order)
    result = gateway.charge_off_session(
        amount_cents=order.total_cents,
        currency=order.currency,
        customer_id=customer_id,
        payment_method_id=payment_method_id,
        idempotency_key=f"order-{order.pk}-off-session-{payment_method_id}",
        metadata={"tokshop_order_id": str(order.pk)},
    )
    if result.status != ChargeStatus.SUCCEEDED:
        order_payment_failed(order, actor=None, status=result.status, message=result.message)
        return PaymentOutcome(order=order, status=result.status, message=result.message)
    order_mark_paid(order, actor=None, reference=result.reference)
    return PaymentOutcome(order=order, status=result.status, message=result.message)
