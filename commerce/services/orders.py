"""Checkout and the life of an order: payment, cancellation, shipping and delivery."""

import re
from dataclasses import dataclass

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound
from tokshop.core.mail import send_templated_mail
from tokshop.users.models import User

from ..models import (
    Cart,
    CartItem,
    InventoryChange,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    StockReservation,
)
from ..payments import ChargeStatus, TestGateway, payment_gateway
from ..selectors import ORDER_SHIPPING_FIELDS
from ..signals import order_paid
from .inventory import RESERVATION_TTL, SOLD_OUT, stock_commit, stock_release, stock_reserve, stock_reserve_within

# A flat rate per order (so per seller): each seller ships their own parcel.
SHIPPING_CENTS = 500
SHIPPING_FIELDS = ORDER_SHIPPING_FIELDS
ORDER_TIMESTAMPS = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
    OrderStatus.REFUNDED: "refunded_at",
}


def _shipping_clean(shipping: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(shipping) - set(SHIPPING_FIELDS))
    if unknown:
        raise ApplicationError(
            INVALID_FIELDS, fields={name: ["This field cannot be sent at checkout."] for name in unknown}
        )
    not_text = sorted(name for name, value in shipping.items() if not isinstance(value, str))
    if not_text:
        raise ApplicationError(INVALID_FIELDS, fields={name: ["Send this field as text."] for name in not_text})
    clean = {name: shipping.get(name, "").strip() for name in SHIPPING_FIELDS}
    clean["shipping_country"] = clean["shipping_country"].upper()
    fields = {
        name: ["This field is required."] for name in SHIPPING_FIELDS if name != "shipping_line2" and not clean[name]
    }
    if clean["shipping_country"] and not re.fullmatch(r"[A-Z]{2}", clean["shipping_country"]):
        fields["shipping_country"] = ["Use a two-letter country code, such as US."]
    # Forms check lengths before calling; callers without a form (the live room's socket) rely on this.
    for name in SHIPPING_FIELDS:
        column = Order._meta.get_field(name)
        longest = column.max_length if isinstance(column, models.CharField) else None
        if longest is not None and len(clean[name]) > longest and name not in fields:
            fields[name] = [f"Use at most {longest} characters."]
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    return clean


def _order_transition(
    order: Order, *, to: str, actor: User | None, note: str = "", fields: tuple[str, ...] = ()
) -> None:
    before = order.status
    order.status = to
    stamp = ORDER_TIMESTAMPS.get(OrderStatus(to))
    if stamp:
        setattr(order, stamp, timezone.now())
    order.save(update_fields=["status", *([stamp] if stamp else []), *fields])
    OrderEvent.objects.create(order=order, actor=actor, from_status=before, to_status=to, note=note[:200])


def _checkout_lines_check(*, buyer: User, items: list[CartItem], sold_out: bool) -> None:
    if not items:
        raise ApplicationError("Your cart is empty.", code="cart_empty")
    for item in items:
        if not item.product.is_active:
            raise Conflict(
                f"{item.product.title} is no longer sold; remove it from your cart.",
                code="not_sold",
                extra={"product_id": item.product_id},
            )
        if item.product.seller_id == buyer.pk:
            raise ApplicationError("You cannot buy your own product.", code="own_product")
    for item in items if sold_out else ():
        if item.quantity > item.product.quantity_available:
            raise Conflict(
                SOLD_OUT.format(title=item.product.title), code="sold_out", extra={"product_id": item.product_id}
            )


def checkout(*, buyer: User, shipping: dict[str, str]) -> list[Order]:
    """Turn the buyer's cart into one order per seller, awaiting payment, with the stock held.

    All or nothing: if any product cannot be held, nothing is held or created and the Conflict
    names that product. Prices and totals come from the catalog, never from the caller.
    """
    address = _shipping_clean(shipping)
    # In a flash sale nearly every attempt meets a sold-out product: one read without locks or a
    # transaction answers those. It only refuses; the conditional UPDATE under the cart lock still
    # decides every hold, so a line that looked available can still be refused there.
    items = list(CartItem.objects.filter(cart__buyer=buyer).select_related("product").order_by("product_id"))
    _checkout_lines_check(buyer=buyer, items=items, sold_out=True)
    return _checkout_locked(buyer=buyer, address=address)


@transaction.atomic
def _checkout_locked(*, buyer: User, address: dict[str, str]) -> list[Order]:
    cart = Cart.objects.select_for_update().filter(buyer=buyer).first()
    items = list(cart.items.select_related("product").order_by("product_id")) if cart else []
    _checkout_lines_check(buyer=buyer, items=items, sold_out=False)
    # No savepoint: a line that cannot be held rolls the whole checkout back, and skipping it saves
    # two round trips on the sold-out path, the hottest one in a flash sale.
    holds = stock_reserve_within(buyer=buyer, lines={i.product_id: i.quantity for i in items}, ttl=RESERVATION_TTL)
    reservations = {r.product_id: r for r in holds}
    orders = []
    by_seller: dict[int, list[CartItem]] = {}
    for item in items:
        by_seller.setdefault(item.product.seller_id, []).append(item)
    for seller_id in sorted(by_seller):
        lines = by_seller[seller_id]
        subtotal = sum(item.product.price_cents * item.quantity for item in lines)
        order = Order.objects.create(
            buyer=buyer,
            seller_id=seller_id,
            currency=lines[0].product.currency,
            subtotal_cents=subtotal,
            shipping_cents=SHIPPING_CENTS,
            total_cents=subtotal + SHIPPING_CENTS,
            **address,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=item.product,
                title=item.product.title,
                unit_price_cents=item.product.price_cents,
                quantity=item.quantity,
            )
            for item in lines
        )
        held = [reservations[item.product_id].pk for item in lines]
        StockReservation.objects.filter(pk__in=held).update(order=order)
        InventoryChange.objects.filter(reservation_id__in=held).update(order=order)
        OrderEvent.objects.create(order=order, actor=buyer, to_status=OrderStatus.PENDING_PAYMENT, note="Checked out")
        orders.append(order)
    cart.items.all().delete()  # type: ignore[union-attr]
    return orders


def _order_get_for_update(*, order_id: int, buyer: User | None = None, seller: User | None = None) -> Order:
    # Someone else's order answers "not found", so its existence is not revealed.
    orders = Order.objects.select_for_update().filter(pk=order_id)
    orders = orders.filter(buyer=buyer) if buyer is not None else orders.filter(seller=seller)
    order = orders.select_related("buyer", "seller").first()
    if order is None:
        raise NotFound("No such order.")
    return order


def _order_require(order: Order, *statuses: str) -> None:
    if order.status not in statuses:
        raise Conflict(f"This order is {order.get_status_display().lower()}.", code="order_state")


def _order_hold_stock(order: Order) -> list[int]:
    """The ids of the order's active holds, holding its lines again if the first holds expired."""
    active = list(order.reservations.active().values_list("pk", flat=True))
    lines = list(order.lines.all())
    if len(active) == len(lines):
        return active
    # Release what is left of the old holds first, so stock is never counted twice for one order.
    stock_release(reservation_ids=active)
    fresh = stock_reserve(buyer=order.buyer, lines={line.product_id: line.quantity for line in lines})
    StockReservation.objects.filter(pk__in=[r.pk for r in fresh]).update(order=order)
    return [r.pk for r in fresh]


@dataclass(frozen=True)
class PaymentOutcome:
    order: Order
    status: ChargeStatus
    message: str


@transaction.atomic
def order_pay(*, buyer: User, order_id: int, card_number: str) -> PaymentOutcome:
    """Charge the order's server-computed total to a card.

    On success the order is paid, its stock sold, buyer and seller told and a receipt e-mailed.
    A declined card or one that needs authentication leaves the order awaiting payment, with the
    reason; its stock stays held until the hold expires.
    """
    gateway = payment_gateway()
    if not isinstance(gateway, TestGateway):
        raise Conflict(
            "Card numbers are not taken here: pay with the secure payment form on the order page.",
            code="use_payment_form",
        )
    order = _order_get_for_update(order_id=order_id, buyer=buyer)
    _order_require(order, OrderStatus.PENDING_PAYMENT)
    # Held before charging, so a card is never charged for stock that is gone.
    _order_hold_stock(order)
    attempt = order.events.count()
    result = gateway.charge(
        amount_cents=order.total_cents,
        currency=order.currency,
        card_number=card_number,
        idempotency_key=f"order-{order.pk}-attempt-{attempt}",
    )
    if result.status != ChargeStatus.SUCCEEDED:
        order_payment_failed(order, actor=buyer, status=result.status, message=result.message)
        return PaymentOutcome(order=order, status=result.status, message=result.message)
    order_mark_paid(order, actor=buyer, reference=result.reference)
    return PaymentOutcome(order=order, status=result.status, message=result.message)


def order_mark_paid(order: Order, *, actor: User | None, reference: str) -> None:
    """Record a payment the gateway took for an order locked by the caller and awaiting payment.

    Its stock is sold (held again first if the holds expired), buyer and seller are told, and the
    receipt and `order_paid` go out after commit.
    """
    from ..tasks import order_receipt_send_task

    held = _order_hold_stock(order)
    order.payment_reference = reference
    order.payment_failure = ""
    _order_transition(order, to=OrderStatus.PAID, actor=actor, fields=("payment_reference", "payment_failure"))
    stock_commit(reservation_ids=held, actor=actor)
    InventoryChange.objects.filter(reservation_id__in=held, order__isnull=True).update(order=order)
    _order_notify(order, user=order.buyer, title=f"Order {order.number} is paid", body="The seller will ship it soon.")
    _order_notify(
        order,
        user=order.seller,
        title=f"New order {order.number}",
        body="Paid and ready to ship.",
        url=reverse("commerce:seller_order", kwargs={"order_id": order.pk}),
    )
    transaction.on_commit(lambda: order_receipt_send_task.delay(order.pk), robust=True)
    transaction.on_commit(lambda: order_paid.send(sender=Order, order=order))


def order_payment_failed(order: Order, *, actor: User | None, status: str, message: str) -> None:
    """Keep why a payment attempt failed on an order locked by the caller; it still awaits payment."""
    order.payment_failure = message[:200]
    order.save(update_fields=["payment_failure"])
    OrderEvent.objects.create(
        order=order, actor=actor, from_status=order.status, to_status=order.status, note=f"Payment {status}"
    )


def _order_notify(order: Order, *, user: User, title: str, body: str, url: str = "") -> None:
    from tokshop.notifications.models import NotificationKind
    from tokshop.notifications.services import notification_create

    notification_create(
        user=user, kind=NotificationKind.ORDERS, title=title, body=body, url=url or order.get_absolute_url()
    )


def order_receipt_send(*, order_id: int) -> None:
    """E-mail the buyer the receipt of a paid order."""
    order = Order.objects.select_related("buyer", "seller__seller_profile").get(pk=order_id)
    send_templated_mail(
        to=order.buyer.email,
        subject=f"Your Tokshop receipt for order {order.number}",
        template="commerce/email/receipt",
        context={"order": order, "lines": list(order.lines.all()), "user": order.buyer},
    )


@transaction.atomic
def order_cancel(*, buyer: User, order_id: int) -> Order:
    """Cancel an order that is still awaiting payment; its held stock goes back on the shelf."""
    order = _order_get_for_update(order_id=order_id, buyer=buyer)
    _order_cancel_locked(order, actor=buyer, note="Cancelled by the buyer")
    return order


@transaction.atomic
def order_cancel_unpaid(*, order_id: int, note: str) -> Order:
    """Cancel, on Tokshop's side, an order its buyer did not pay in time (an auction's winner who
    let the payment window pass); the stock goes back and `note` says why, in its history.

    Refused with `order_state` when the order is no longer awaiting payment (it was paid meanwhile).
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("buyer").filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    _order_cancel_locked(order, actor=None, note=note)
    return order


def _order_cancel_locked(order: Order, *, actor: User | None, note: str) -> None:
    _order_require(order, OrderStatus.PENDING_PAYMENT)
    stock_release(reservation_ids=list(order.reservations.active().values_list("pk", flat=True)), actor=actor)
    _order_transition(order, to=OrderStatus.CANCELLED, actor=actor, note=note)
    if order.payment_reference.startswith("pi_"):
        from ..tasks import order_payment_cancel_task

        transaction.on_commit(lambda: order_payment_cancel_task.delay(order.pk), robust=True)


@transaction.atomic
def order_ship(*, seller: User, order_id: int, carrier: str, tracking_number: str) -> Order:
    """Mark a paid order shipped, with the parcel's carrier and tracking number; the buyer is told."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    fields = {
        name: ["This field is required."]
        for name, value in [("carrier", carrier), ("tracking_number", tracking_number)]
        if not value
    }
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    order = _order_get_for_update(order_id=order_id, seller=seller)
    # A partial refund (one item out of stock, say) leaves the rest to ship.
    _order_require(order, OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
    if order.shipped_at:
        raise Conflict("This order is shipped already.", code="order_state")
    if not order.shipping_line1:
        raise Conflict("The buyer has not given a shipping address yet.", code="address_required")
    order.carrier, order.tracking_number = carrier[:60], tracking_number[:100]
    _order_transition(order, to=OrderStatus.SHIPPED, actor=seller, fields=("carrier", "tracking_number"))
    _order_notify(
        order,
        user=order.buyer,
        title=f"Order {order.number} is on its way",
        body=f"{carrier} tracking number {tracking_number}.",
    )
    return order


@transaction.atomic
def order_confirm_delivery(*, buyer: User, order_id: int) -> Order:
    """The buyer says the parcel arrived."""
    order = _order_get_for_update(order_id=order_id, buyer=buyer)
    _order_require(order, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED)
    if not order.shipped_at or order.delivered_at:
        raise Conflict("This order is not on its way.", code="order_state")
    _order_transition(order, to=OrderStatus.DELIVERED, actor=buyer)
    return order
