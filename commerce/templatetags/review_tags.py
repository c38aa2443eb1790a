from typing import Any

from django import template
from django.http import HttpRequest

from commerce.models import RATING_MAX, Order, OrderLine, Product, Review
from commerce.selectors_reviews import (
    RatingSummary,
    review_list_for_product,
    review_list_for_shop,
    reviews_by_line_for_order,
    seller_rating,
)
from commerce.selectors_wishlist import wishlist_product_ids

register = template.Library()

REVIEWS_SHOWN = 20


@register.simple_tag(takes_context=True)
def product_is_saved(context: dict[str, Any], product: Product) -> bool:
    """Whether the signed-in buyer saved this product; one query per page, however many cards."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    saved: set[int] | None = getattr(request, "_saved_product_ids", None)
    if saved is None:
        saved = wishlist_product_ids(buyer=request.user)
        request._saved_product_ids = saved  # type: ignore[attr-defined]
    return product.pk in saved


@register.inclusion_tag("commerce/_stars.html")
def stars(value: float | None, label: str = "") -> dict[str, Any]:
    """Five stars, as many lit as the value rounded to the nearest whole star."""
    lit = round(value or 0)
    return {"lit": [n <= lit for n in range(1, RATING_MAX + 1)], "value": value, "label": label}


@register.simple_tag
def shop_rating(seller_id: int) -> RatingSummary:
    return seller_rating(seller_id=seller_id)


@register.simple_tag
def product_reviews(product: Product) -> list[Review]:
    return list(review_list_for_product(product_id=product.pk)[:REVIEWS_SHOWN])


@register.simple_tag
def shop_reviews(seller_id: int, limit: int = 6) -> list[Review]:
    return list(review_list_for_shop(seller_id=seller_id)[:limit])


@register.simple_tag
def order_line_reviews(order: Order) -> list[tuple[OrderLine, Review | None]]:
    """Each line of the order with the buyer's review of it, or None."""
    reviews = reviews_by_line_for_order(order=order)
    return [(line, reviews.get(line.pk)) for line in order.lines.all()]
