"""Orders of one product at a price another part of Tokshop set (a flash sale in a show), placed
without a cart: the stock is held as a checkout holds it, and the buyer pays on the order's page."""

from typing import Any

from django.db import transaction

from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.users.models import User

from ..models import InventoryChange, Order, OrderEvent, OrderLine, OrderStatus, Product, StockReservation
from ..selectors import order_shipping_last_used
from .inventory import RESERVATION_TTL, stock_reserve_within
from .orders import SHIPPING_CENTS, _shipping_clean


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
    [reservation] = stock_reserve_within(buyer=buyer, lines={product.pk: quantity}, ttl=RESERVATION_TTL)
    subtotal = unit_price_cents * quantity
    order = Order.objects.create(
        buyer=buyer,
        seller_id=product.seller_id,
        currency=product.currency,
        subtotal_cents=subtotal,
        shipping_cents=SHIPPING_CENTS,
        total_cents=subtotal + SHIPPING_CENTS,
        **address,
    )
    OrderLine.objects.create(
        order=order, product=product, title=product.title, unit_price_cents=unit_price_cents, quantity=quantity
    )
    StockReservation.objects.filter(pk=reservation.pk).update(order=order)
    InventoryChange.objects.filter(reservation_id=reservation.pk).update(order=order)
    OrderEvent.objects.create(order=order, actor=buyer, to_status=OrderStatus.PENDING_PAYMENT, note=source[:200])
    return order
