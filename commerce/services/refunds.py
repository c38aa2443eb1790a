"""Giving money back: full and partial refunds by the seller or staff, and refunds Stripe reports."""

from django.db import transaction

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, NotFound
from tokshop.core.mail import send_templated_mail
from tokshop.users.models import User

from ..models import Order, OrderRefund, OrderStatus
from ..payments import payment_gateway
from ..templatetags.commerce_tags import money
from .orders import _order_notify, _order_require, _order_transition

# Refunds follow a payment: after delivery too (a return), and again while something is left.
REFUNDABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.PARTIALLY_REFUNDED)


def order_refund_record(
    order: Order, *, amount_cents: int, reference: str, actor: User | None, reason: str
) -> OrderRefund:
    """Record money given back on an order locked by the caller; the buyer is told and e-mailed."""
    from ..tasks import order_refund_send_task

    refund = OrderRefund.objects.create(
        order=order, amount_cents=amount_cents, reference=reference, actor=actor, reason=reason[:200]
    )
    order.refunded_cents += amount_cents
    full = order.refunded_cents >= order.total_cents
    _order_transition(
        order,
        to=OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED,
        actor=actor,
        note=f"Refunded {money(amount_cents, order.currency)}" + (f": {reason}" if reason else ""),
        fields=("refunded_cents",),
    )
    _order_notify(
        order,
        user=order.buyer,
        title=f"Order {order.number}: {money(amount_cents, order.currency)} refunded",
        body="The money goes back to the card you paid with.",
    )
    transaction.on_commit(lambda: order_refund_send_task.delay(refund.pk), robust=True)
    return refund


@transaction.atomic
def order_refund(
    *, actor: User, order_id: int, amount_cents: int | None = None, reason: str = "", seller: User | None = None
) -> Order:
    """Give back part or all of what is left of a paid order's payment.

    With `seller`, only that seller's orders (their order page and API); without, any order (staff).
    Each refund has its own idempotency key (the order and the refund's number), so a retried
    request never refunds twice at the gateway.
    """
    orders = Order.objects.select_for_update().select_related("buyer", "seller")
    order = (orders.filter(seller=seller) if seller is not None else orders).filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    _order_require(order, *REFUNDABLE)
    left = order.total_cents - order.refunded_cents
    amount = left if amount_cents is None else amount_cents
    if not 0 < amount <= left:
        raise ApplicationError(
            INVALID_FIELDS,
            fields={"amount_cents": [f"Refund between 1 and {left} cents ({money(left, order.currency)})."]},
        )
    result = payment_gateway().refund(
        payment_reference=order.payment_reference,
        amount_cents=amount,
        idempotency_key=f"order-{order.pk}-refund-{order.refunds.count() + 1}",
    )
    order_refund_record(order, amount_cents=amount, reference=result.reference, actor=actor, reason=reason)
    return order


def order_refund_send(*, refund_id: int) -> None:
    """E-mail the buyer that money was refunded on their order."""
    refund = OrderRefund.objects.select_related("order__buyer", "order__seller__seller_profile").get(pk=refund_id)
    order = refund.order
    send_templated_mail(
        to=order.buyer.email,
        subject=f"Refund on your Tokshop order {order.number}",
        template="commerce/email/refund",
        context={"order": order, "refund": refund, "user": order.buyer},
    )
