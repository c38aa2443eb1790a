"""Writes for wishlists: buyers save products, and hear when a saved product is back in stock."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.users.models import User

from ..models import Product, WishlistItem

# A hold that expires puts a unit back on the shelf; a buyer is told about a saved product at most
# once in this window, however often its last unit comes and goes.
BACK_IN_STOCK_QUIET = timedelta(hours=24)
BACK_IN_STOCK_BATCH = 500


@transaction.atomic
def wishlist_add(*, buyer: User, product_id: int) -> tuple[WishlistItem, bool]:
    """Save an active product for the buyer; returns the item and whether it is new. Safe to repeat."""
    product = Product.objects.active().filter(pk=product_id, seller__is_active=True).first()
    if product is None:
        raise NotFound("No such product.")
    if product.seller_id == buyer.pk:
        raise ApplicationError("You cannot save your own product.", code="own_product")
    # ON CONFLICT DO NOTHING through get_or_create's retry: two taps from two tabs make one row.
    return WishlistItem.objects.get_or_create(buyer=buyer, product=product)


@transaction.atomic
def wishlist_remove(*, buyer: User, product_id: int) -> bool:
    """Take a product off the buyer's wishlist; returns whether it was there. Safe to repeat."""
    deleted, _ = WishlistItem.objects.filter(buyer=buyer, product_id=product_id).delete()
    return bool(deleted)


def wishlist_back_in_stock_schedule(*, product_id: int) -> None:
    """After the caller commits, tell the buyers who saved the product that it is back."""
    from ..tasks import wishlist_back_in_stock_notify_task

    transaction.on_commit(lambda: wishlist_back_in_stock_notify_task.delay(product_id), robust=True)


@transaction.atomic
def wishlist_back_in_stock_notify(*, product_id: int, now: datetime | None = None) -> int:
    """Notify each buyer who saved the product, if it is still on sale and in stock; returns how many.

    Safe to run twice: a buyer told within BACK_IN_STOCK_QUIET is skipped.
    """
    from tokshop.notifications.models import NotificationKind
    from tokshop.notifications.services import notification_create

    now = now or timezone.now()
    product = Product.objects.active().filter(pk=product_id).first()
    if product is None or not product.is_in_stock:
        return 0
    due = list(
        WishlistItem.objects.select_for_update(skip_locked=True)
        .select_related("buyer")
        .filter(product=product, buyer__is_active=True)
        .filter(Q(notified_at__isnull=True) | Q(notified_at__lt=now - BACK_IN_STOCK_QUIET))
        .order_by("pk")[:BACK_IN_STOCK_BATCH]
    )
    for item in due:
        notification_create(
            user=item.buyer,
            kind=NotificationKind.SAVED,
            title=f"{product.title} is back in stock",
            body="You saved it. Buy it before it goes again.",
            url=product.get_absolute_url(),
        )
    WishlistItem.objects.filter(pk__in=[item.pk for item in due]).update(notified_at=now)
    return len(due)
