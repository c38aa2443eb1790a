"""Writes for the buyer's cart."""

from django.db import transaction

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound
from tokshop.users.models import User

from ..models import (
    CART_LINE_MAX,
    Cart,
    CartItem,
    Product,
)
from .inventory import SOLD_OUT


def _cart_quantity_check(quantity: int) -> None:
    if not 1 <= quantity <= CART_LINE_MAX:
        raise ApplicationError(INVALID_FIELDS, fields={"quantity": [f"Choose between 1 and {CART_LINE_MAX}."]})


def _cart_product_check(*, buyer: User, product: Product, quantity: int) -> None:
    if product.seller_id == buyer.pk:
        raise ApplicationError("You cannot buy your own product.", code="own_product")
    if quantity > product.quantity_available:
        left = product.quantity_available
        raise Conflict(
            f"Only {left} of {product.title} left." if left else SOLD_OUT.format(title=product.title),
            code="sold_out",
            fields={"quantity": [f"Choose at most {left}."]},
            extra={"product_id": product.pk},
        )


@transaction.atomic
def cart_add(*, buyer: User, product_id: int, quantity: int = 1) -> CartItem:
    """Put units of an active product in the buyer's cart, adding to its line if it has one.

    Nothing is held: stock is reserved at checkout.
    """
    _cart_quantity_check(quantity)
    product = Product.objects.active().filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    cart, _ = Cart.objects.get_or_create(buyer=buyer)
    # The cart row lock serialises two adds from two tabs, so the line's total stays right.
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    item = CartItem.objects.filter(cart=cart, product=product).first()
    total = quantity + (item.quantity if item else 0)
    if total > CART_LINE_MAX:
        raise ApplicationError(
            INVALID_FIELDS, fields={"quantity": [f"A cart holds at most {CART_LINE_MAX} of one product."]}
        )
    other = CartItem.objects.filter(cart=cart).exclude(product__currency=product.currency).exists()
    if other:
        raise ApplicationError(
            "Your cart is in another currency: check it out before adding this.", code="currency_mismatch"
        )
    _cart_product_check(buyer=buyer, product=product, quantity=total)
    if item is None:
        item = CartItem.objects.create(cart=cart, product=product, quantity=total)
    else:
        item.quantity = total
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return item


def _cart_item_get_own(*, buyer: User, item_id: int) -> CartItem:
    item = CartItem.objects.select_related("product").filter(pk=item_id, cart__buyer=buyer).first()
    if item is None:
        raise NotFound("No such item in your cart.")
    return item


@transaction.atomic
def cart_update(*, buyer: User, item_id: int, quantity: int) -> CartItem:
    """Set how many of one product the buyer's cart holds."""
    _cart_quantity_check(quantity)
    item = _cart_item_get_own(buyer=buyer, item_id=item_id)
    if not item.product.is_active:
        raise ApplicationError("This product is no longer sold; remove it from your cart.", code="not_sold")
    _cart_product_check(buyer=buyer, product=item.product, quantity=quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def cart_remove(*, buyer: User, item_id: int) -> None:
    """Take one line out of the buyer's cart."""
    _cart_item_get_own(buyer=buyer, item_id=item_id).delete()
