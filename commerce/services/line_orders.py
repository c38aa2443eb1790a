"""Orders of one product at a price another part of Tokshop set, placed without a cart: a flash
sale's order (the buyer pays on the order's page) and a prize's (free, paid at once)."""

from typing import Any

from django.db import transaction

from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.users.models import User

from ..models import InventoryChange, Order, OrderEvent, OrderLine, OrderStatus, Product, StockReservation
from ..selectors import ORDER_SHIPPING_FIELDS, order_shipping_last_used
from .inventory import RESERVATION_TTL, stock_reserve_within
from .orders import SHIPPING_CENTS, _order_get_for_update, _order_require, _shipping_clean, order_mark_paid


def _line_order_create(
    *,
    buyer: User,
    product: Product,
    quantity: int,
    unit_price_cents: int,
    shipping_cents: int,
    address: dict[str, str],
    source: str,
) -> Order:
    # The caller's transaction holds: a refusal (`sold_out`) rolls back what the caller did too.
    [reservation] = stock_reserve_within(buyer=buyer, lines={product.pk: quantity}, ttl=RESERVATION_TTL)
    subtotal = unit_price_cents * quantity
    order = Order.objects.create(
        buyer=buyer,
        seller_id=product.seller_id,
        currency=product.currency,
        subtotal_cents=subtotal,
        shipping_cents=shipping_cents,
        total_cents=subtotal + shipping_cents,
        **address,
    )
    OrderLine.objects.create(
        order=order, product=product, title=product.title, unit_price_cents=unit_price_cents, quantity=quantity
    )
    StockReservation.objects.filter(pk=reservation.pk).update(order=order)
    InventoryChange.objects.filter(reservation_id=reservation.pk).update(order=order)
    OrderEvent.objects.create(order=order, actor=buyer, to_status=OrderStatus.PENDING_PAYMENT, note=source[:200])
    return order


@transaction.atomic
def order_create_for_line(
    *,
    buyer: User,
    product_id: int,
    quantity: int,
    unit_price_cents: int,
    source: str,
    shipping: dict[str, Any] | None = None,
    above_catalog_price: bool = False,
) -> Order:
    """An order awaiting payment for `quantity` units of one product at `unit_price_cents`, with the
    units held for RESERVATION_TTL like a checkout's.

    The caller decides the price (it must be positive and at most the catalog's, unless
    `above_catalog_price` says the price was set by the buyers themselves: an auction's hammer
    price may rise above what the shop asks); `source` says
    where the order came from, in its history. Shipping goes to `shipping` when given, else to the
    address of the buyer's last order; with neither the refusal is `address_required`. Run inside
    the caller's transaction, a refusal (`sold_out`, …) rolls back what the caller did too.
    """
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    if not product.is_active:
        raise Conflict(f"{product.title} is no longer sold.", code="not_sold", extra={"product_id": product.pk})
    if product.seller_id == buyer.pk:
        raise ApplicationError("You cannot buy your own product.", code="own_product")
    price_allowed = unit_price_cents > 0 and (above_catalog_price or unit_price_cents <= product.price_cents)
    if not price_allowed or quantity <= 0:
        raise ApplicationError("The price or quantity of this order is not valid.", code="invalid_line")
    if shipping is not None:
        address = _shipping_clean(shipping)
    else:
        saved = order_shipping_last_used(buyer=buyer)
        if saved is None:
            raise ApplicationError(
                "Where should it go? Give a shipping address with this first order.", code="address_required"
            )
        address = saved
    return _line_order_create(
        buyer=buyer,
        product=product,
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        shipping_cents=SHIPPING_CENTS,
        address=address,
        source=source,
    )


@transaction.atomic
def order_create_free(*, buyer: User, product_id: int, source: str) -> Order:
    """A paid order at no charge (shipping included) for one unit of a product: a prize.

    The unit is sold at once (stock committed) and seller and buyer are told as for any paid order.
    It ships to the address of the buyer's last order; a buyer without one gives it on the order's
    page (`order_shipping_give`), and the seller cannot ship it before. `sold_out` rolls back the
    caller's transaction, so a caller holding the unit releases it in the same transaction first.
    """
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    if product.seller_id == buyer.pk:
        raise ApplicationError("You cannot win your own product.", code="own_product")
    address = order_shipping_last_used(buyer=buyer) or dict.fromkeys(ORDER_SHIPPING_FIELDS, "")
    order = _line_order_create(
        buyer=buyer, product=product, quantity=1, unit_price_cents=0, shipping_cents=0, address=address, source=source
    )
    order_mark_paid(order, actor=None, reference=f"free:{source}"[:100])
    return order


@transaction.atomic
def order_shipping_give(*, buyer: User, order_id: int, shipping: dict[str, str]) -> Order:
    """Give the address of a paid order that has none yet (a prize won without an earlier order)."""
    order = _order_get_for_update(order_id=order_id, buyer=buyer)
    _order_require(order, OrderStatus.PAID)
    if order.shipping_line1:
        raise Conflict("This order already has its shipping address.", code="address_given")
    address = _shipping_clean(shipping)
    for name, value in address.items():
        setattr(order, name, value)
    order.save(update_fields=list(address))
    OrderEvent.objects.create(
        order=order, actor=buyer, from_status=order.status, to_status=order.status, note="Shipping address given"
    )
    return order
