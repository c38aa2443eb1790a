"""Writes for stock: reservations that hold units during checkout, adjustments, and the history of every change."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound
from tokshop.realtime.groups import product_group
from tokshop.realtime.streams import publish_on_commit
from tokshop.users.models import User

from .. import events
from ..catalog_cache import catalog_changed
from ..models import (
    SELLER_ADJUST_REASONS,
    InventoryChange,
    InventoryReason,
    Product,
    ReservationStatus,
    StockReservation,
)
from ..selectors import product_get_own_for_update
from ..signals import stock_changed
from .wishlist import wishlist_back_in_stock_schedule

RESERVATION_TTL = timedelta(minutes=15)
SOLD_OUT = "Sorry, {title} sold out meanwhile."


def stock_announce(*, product: Product, on_hand_before: int, reserved_before: int | None = None) -> None:
    """After a change to one product's stock: tell its watchers what is left, its seller once
    when the count on hand falls to the low-stock threshold and once when it reaches zero, and the
    buyers who saved it when units are available again.

    The public catalog shows what is available, so its cached pages go too."""
    from tokshop.notifications.models import NotificationKind
    from tokshop.notifications.services import notification_create

    catalog_changed()
    publish_on_commit(
        product_group(product.pk),
        "product.stock_changed",
        events.product_stock_changed(product_id=product.pk, available=product.quantity_available),
    )
    product_id = product.pk
    transaction.on_commit(lambda: stock_changed.send(sender=Product, product_id=product_id), robust=True)
    if reserved_before is None:
        reserved_before = product.quantity_reserved
    if on_hand_before - reserved_before <= 0 < product.quantity_available and product.is_active:
        wishlist_back_in_stock_schedule(product_id=product.pk)
    after = product.quantity_on_hand
    url = reverse("commerce:seller_product_edit", kwargs={"product_id": product.pk})
    if after == 0 < on_hand_before:
        notification_create(
            user=product.seller,
            kind=NotificationKind.INVENTORY,
            title=f"{product.title} is sold out",
            body="Restock it to keep selling.",
            url=url,
        )
    elif 0 < after <= product.low_stock_threshold < on_hand_before:
        notification_create(
            user=product.seller,
            kind=NotificationKind.INVENTORY,
            title=f"Only {after} left of {product.title}",
            body=f"You asked to hear when {product.low_stock_threshold} or fewer were left.",
            url=url,
        )
    # And once when a restock or return lifts the count above the seller's overstock mark, if set.
    elif product.overstock_threshold is not None and on_hand_before <= product.overstock_threshold < after:
        notification_create(
            user=product.seller,
            kind=NotificationKind.INVENTORY,
            title=f"{after} of {product.title} on hand: overstocked",
            body=f"You asked to hear when more than {product.overstock_threshold} were on hand.",
            url=url,
        )


def stock_reserve(*, buyer: User, lines: dict[int, int], ttl: timedelta = RESERVATION_TTL) -> list[StockReservation]:
    """Hold units of products for a buyer, all or nothing; `lines` maps product ids to quantities.

    A product that has too few units left raises Conflict naming it, and nothing is held.
    """
    with transaction.atomic():
        return stock_reserve_within(buyer=buyer, lines=lines, ttl=ttl)


def stock_reserve_within(*, buyer: User, lines: dict[int, int], ttl: timedelta) -> list[StockReservation]:
    # The caller's transaction holds: a refusal must roll back everything the caller did too.
    reservations = []
    expires_at = timezone.now() + ttl
    # Rows are taken in primary-key order so two multi-line checkouts never wait on each other
    # in a cycle.
    for product_id in sorted(lines):
        quantity = lines[product_id]
        if quantity <= 0:
            raise ApplicationError(INVALID_FIELDS, fields={"quantity": ["Reserve at least one unit."]})
        # One conditional UPDATE decides: no read-then-write window for another buyer to slip into.
        taken = Product.objects.filter(pk=product_id, quantity_on_hand__gte=F("quantity_reserved") + quantity).update(
            quantity_reserved=F("quantity_reserved") + quantity
        )
        if not taken:
            product = Product.objects.filter(pk=product_id).only("title").first()
            if product is None:
                raise NotFound("No such product.")
            raise Conflict(SOLD_OUT.format(title=product.title), code="sold_out", extra={"product_id": product_id})
        product = Product.objects.select_related("seller").get(pk=product_id)
        reservation = StockReservation.objects.create(
            product=product, buyer=buyer, quantity=quantity, expires_at=expires_at
        )
        InventoryChange.objects.create(
            product=product,
            delta_reserved=quantity,
            reason=InventoryReason.RESERVED,
            actor=buyer,
            reservation=reservation,
        )
        stock_announce(
            product=product,
            on_hand_before=product.quantity_on_hand,
            reserved_before=product.quantity_reserved - quantity,
        )
        reservations.append(reservation)
    return reservations


def _reservations_end(reservations: list[StockReservation], *, status: str, reason: str, actor: User | None) -> int:
    now = timezone.now()
    for reservation in sorted(reservations, key=lambda r: r.product_id):
        quantity = reservation.quantity
        on_hand = -quantity if status == ReservationStatus.COMMITTED else 0
        changed = Product.objects.filter(pk=reservation.product_id, quantity_reserved__gte=quantity).update(
            quantity_reserved=F("quantity_reserved") - quantity,
            quantity_on_hand=F("quantity_on_hand") + on_hand,
        )
        # The reservation row is locked and active, so its units are still counted as reserved.
        assert changed == 1, f"reservation {reservation.pk} held units the product no longer counts"
        reservation.status = status
        reservation.ended_at = now
        reservation.save(update_fields=["status", "ended_at"])
        InventoryChange.objects.create(
            product_id=reservation.product_id,
            delta_on_hand=on_hand,
            delta_reserved=-quantity,
            reason=reason,
            actor=actor,
            reservation=reservation,
            order_id=reservation.order_id,
        )
        product = Product.objects.select_related("seller").get(pk=reservation.product_id)
        stock_announce(
            product=product,
            on_hand_before=product.quantity_on_hand - on_hand,
            reserved_before=product.quantity_reserved + quantity,
        )
    return len(reservations)


def _reservations_lock(reservation_ids: list[int]) -> list[StockReservation]:
    # Locking the reservation first makes release, commit and expiry exclusive: whichever comes
    # second finds it no longer active and does nothing.
    return list(StockReservation.objects.select_for_update().active().filter(pk__in=reservation_ids).order_by("pk"))


@transaction.atomic
def stock_release(*, reservation_ids: list[int], actor: User | None = None) -> int:
    """Give held units back to the shelf; returns how many holds ended. Safe to run twice."""
    return _reservations_end(
        _reservations_lock(reservation_ids),
        status=ReservationStatus.RELEASED,
        reason=InventoryReason.RELEASED,
        actor=actor,
    )


@transaction.atomic
def stock_commit(*, reservation_ids: list[int], actor: User | None = None) -> int:
    """Turn held units into sold ones (on hand and reserved both fall); returns how many holds ended.

    Safe to run twice: a hold already committed, released or expired is left alone.
    """
    return _reservations_end(
        _reservations_lock(reservation_ids),
        status=ReservationStatus.COMMITTED,
        reason=InventoryReason.SOLD,
        actor=actor,
    )


RESERVATIONS_EXPIRE_BATCH = 500


@transaction.atomic
def reservations_expire(*, now: datetime | None = None) -> int:
    """Release every active hold past its expiry; returns how many. Safe to run at once with checkouts."""
    due = list(
        StockReservation.objects.select_for_update(skip_locked=True)
        .active()
        .filter(expires_at__lte=now or timezone.now())
        .order_by("pk")[:RESERVATIONS_EXPIRE_BATCH]
    )
    return _reservations_end(due, status=ReservationStatus.EXPIRED, reason=InventoryReason.EXPIRED, actor=None)


@transaction.atomic
def stock_adjust(*, seller: User, product_id: int, delta: int, reason: str, note: str = "") -> Product:
    """Change the count on hand of one of the seller's products by `delta`, with a reason.

    The count may not fall below zero nor below the units held for checkouts.
    """
    if reason not in SELLER_ADJUST_REASONS:
        raise ApplicationError(INVALID_FIELDS, fields={"reason": ["Choose restock, correction, damaged or returned."]})
    if delta == 0:
        raise ApplicationError(INVALID_FIELDS, fields={"delta": ["Change the count by at least one."]})
    product = product_get_own_for_update(seller=seller, product_id=product_id)
    if product.quantity_on_hand + delta < product.quantity_reserved:
        raise Conflict(
            f"{product.quantity_reserved} of {product.title} are held for checkouts; "
            f"you can remove at most {product.quantity_available}.",
            fields={"delta": [f"Remove at most {product.quantity_available}."]},
        )
    _stock_set(product=product, on_hand=product.quantity_on_hand + delta, reason=reason, actor=seller, note=note)
    return product


def _stock_set(*, product: Product, on_hand: int, reason: str, actor: User | None, note: str = "") -> None:
    # The caller holds the product's row lock.
    before = product.quantity_on_hand
    product.quantity_on_hand = on_hand
    product.save(update_fields=["quantity_on_hand", "updated_at"])
    InventoryChange.objects.create(
        product=product, delta_on_hand=on_hand - before, reason=reason, actor=actor, note=note[:200]
    )
    stock_announce(product=product, on_hand_before=before)


LOW_STOCK_THRESHOLD_MAX = 32_767


@transaction.atomic
def stock_thresholds_set(
    *, seller: User, product_id: int, low_stock_threshold: int, overstock_threshold: int | None
) -> Product:
    """Set when the seller hears about one of their products' stock: at or below `low_stock_threshold`,
    and above `overstock_threshold` (None: never)."""
    fields: dict[str, list[str]] = {}
    if not 0 <= low_stock_threshold <= LOW_STOCK_THRESHOLD_MAX:
        fields["low_stock_threshold"] = [f"Use a number from 0 to {LOW_STOCK_THRESHOLD_MAX}."]
    if overstock_threshold is not None and overstock_threshold <= low_stock_threshold:
        fields["overstock_threshold"] = ["Use a number above the low-stock threshold, or leave it empty."]
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    product = product_get_own_for_update(seller=seller, product_id=product_id)
    product.low_stock_threshold = low_stock_threshold
    product.overstock_threshold = overstock_threshold
    product.save(update_fields=["low_stock_threshold", "overstock_threshold", "updated_at"])
    return product
