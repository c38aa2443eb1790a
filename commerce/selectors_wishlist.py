"""Reads for wishlists: the buyer's saved products, and which products on a page they saved."""

from django.db.models import Prefetch, QuerySet

from tokshop.users.models import User

from .models import Product, ProductStatus, WishlistItem
from .selectors import _with_gallery


def wishlist_list_for_buyer(*, buyer: User) -> QuerySet[WishlistItem]:
    """The buyer's saved products, most recently saved first; archived ones drop out."""
    return (
        WishlistItem.objects.filter(buyer=buyer, product__status=ProductStatus.ACTIVE, product__seller__is_active=True)
        .prefetch_related(Prefetch("product", queryset=_with_gallery(Product.objects.all())))
        .order_by("-created_at", "-id")
    )


def wishlist_product_ids(*, buyer: User) -> set[int]:
    return set(WishlistItem.objects.filter(buyer=buyer).values_list("product_id", flat=True))
