"""The pinned product: the lineup item the host shows now, its click-throughs, and its stock told
to the room as it changes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from commerce.models import Product
from tokshop.core.errors import NotFound

from ..coalesce import coalesce_on_commit
from ..events import show_event
from ..events_interact import item_payload
from ..models import ON_AIR, FlashSale, FlashSaleStatus, LineupItem, Show
from .chat import chat_product_highlight
from .room_checks import host_check, id_field, on_air_check, show_lock

if TYPE_CHECKING:
    from tokshop.users.models import User

# One viewer's clicks on one item count once in this time, however often they reload the room.
CLICK_WINDOW_SECONDS = 30 * 60


def lineup_item_get(*, show_id: int, item_id: Any) -> LineupItem:
    item = (
        LineupItem.objects.select_related("product")
        .prefetch_related("product__images")
        .filter(pk=id_field("item_id", item_id), show_id=show_id)
        .first()
    )
    if item is None:
        raise NotFound("That product is not in this show's lineup.")
    return item


def pin_locked(show: Show, item: LineupItem) -> None:
    """Pin `item` in `show`, whose row the caller holds; announced unless it already was pinned."""
    if show.pinned_item_id == item.pk:
        return
    show.pinned_item = item
    show.pinned_at = timezone.now()
    show.save(update_fields=["pinned_item", "pinned_at", "updated_at"])
    show_event(show.pk, "product.pinned", {"item": item_payload(item)})
    chat_product_highlight(show_id=show.pk, item_id=item.pk)


@transaction.atomic
def product_pin(*, actor: User, show_id: int, item_id: Any) -> LineupItem:
    """Show one of the lineup's products on every viewer's screen (host only)."""
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    on_air_check(show)
    item = lineup_item_get(show_id=show.pk, item_id=item_id)
    pin_locked(show, item)
    return item


@transaction.atomic
def product_unpin(*, actor: User, show_id: int) -> Show:
    """Take the pinned product off the screen (host only); nothing changes if none is pinned."""
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    if show.pinned_item_id is None:
        return show
    item_id = show.pinned_item_id
    show.pinned_item = None
    show.pinned_at = None
    show.save(update_fields=["pinned_item", "pinned_at", "updated_at"])
    show_event(show.pk, "product.unpinned", {"item_id": item_id})
    return show


def product_click(*, show_id: int, item_id: Any, viewer_key: str) -> bool:
    """Count a viewer opening a lineup item from the room, once per viewer and window; True if counted.

    `viewer_key` names the viewer across sockets (their user id, or their address when signed out).
    """
    item_id = id_field("item_id", item_id)
    digest = hashlib.blake2b(viewer_key.encode(), digest_size=12).hexdigest()
    key = f"show-click:{item_id}:{digest}"
    if not cache.add(key, 1, timeout=CLICK_WINDOW_SECONDS):
        return False
    counted = LineupItem.objects.filter(pk=item_id, show_id=show_id).update(clicks=F("clicks") + 1)
    if not counted:
        cache.delete(key)
        raise NotFound("That product is not in this show's lineup.")
    return True


def product_stock_shows(*, product_id: int) -> list[int]:
    """The shows on air with the product in their lineup (the host's console counts its stock down
    for every lineup product, viewers for the pinned one), and those running a flash sale of it."""
    in_lineup = Q(status__in=ON_AIR, lineup__product_id=product_id)
    on_sale = Q(pk__in=FlashSale.objects.filter(product_id=product_id, status=FlashSaleStatus.ACTIVE).values("show_id"))
    return list(Show.objects.filter(in_lineup | on_sale).distinct().values_list("pk", flat=True))


def product_stock_publish(*, show_id: int, product_id: int) -> None:
    """Broadcast what is left of a product in one show (the coalesced `product.stock`)."""
    product = Product.objects.filter(pk=product_id).first()
    if product is not None:
        available = product.quantity_available if product.is_active else 0
        show_event(show_id, "product.stock", {"product_id": product_id, "available": available})


def product_stock_changed(*, product_id: int) -> None:
    """Commerce changed a product's stock: tell the rooms where it is pinned or on sale."""
    for show_id in product_stock_shows(product_id=product_id):
        coalesce_on_commit(
            f"stock:{show_id}:{product_id}",
            lambda show_id=show_id: product_stock_publish(show_id=show_id, product_id=product_id),  # type: ignore[misc]
        )
