"""Flash sales in a show: a lineup item below its price for a few minutes, with a cap on the units
sold and on each buyer's, decided by conditional UPDATEs under any number of buyers at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commerce.models import Order
from commerce.services.line_orders import order_create_for_line
from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound

from ..coalesce import coalesce_on_commit
from ..events import show_event
from ..events_interact import sale_payload
from ..models import FlashSale, FlashSaleBuyer, FlashSalePurchase, FlashSaleStatus
from ..models.interact import FLASH_SALE_SECONDS_MAX, FLASH_SALE_SECONDS_MIN
from .pins import lineup_item_get, pin_locked
from .room_checks import host_check, id_field, int_field, on_air_check, show_lock

if TYPE_CHECKING:
    from tokshop.users.models import User

FLASH_SALES_END_BATCH = 200
UNITS_MAX = 100_000


class LimitReached(ApplicationError):
    code = "limit_reached"
    status = 409

    def __init__(self, *, left: int) -> None:
        message = (
            f"You can buy {left} more in this sale." if left else "You bought as many as this sale allows per buyer."
        )
        super().__init__(message, extra={"left": left})
        self.left = left


class SoldOut(Conflict):
    code = "sold_out"

    def __init__(self, *, remaining: int) -> None:
        remaining = max(remaining, 0)
        message = f"Only {remaining} left in this sale." if remaining else "This flash sale is sold out."
        super().__init__(message, extra={"remaining": remaining})


def _sale_end_locked(sale: FlashSale, *, now: datetime, reason: str) -> FlashSale:
    sale.status = FlashSaleStatus.ENDED
    sale.ended_at = now
    sale.save(update_fields=["status", "ended_at"])
    payload = {"sale_id": sale.pk, "sold": sale.sold, "remaining": sale.remaining, "reason": reason}
    show_event(sale.show_id, "flash_sale.ended", payload)
    return sale


def _active_sale_lock(show_id: int) -> FlashSale | None:
    return FlashSale.objects.select_for_update().filter(show_id=show_id, status=FlashSaleStatus.ACTIVE).first()


@transaction.atomic
def flash_sale_start(
    *, actor: User, show_id: int, item_id: Any, price_cents: Any, seconds: Any, total_limit: Any, per_buyer_limit: Any
) -> FlashSale:
    """Sell a lineup item below its price for `seconds` (host only), at most `total_limit` units and
    `per_buyer_limit` per buyer; the item is pinned. One sale at a time per show."""
    from ..tasks import flash_sale_end_due_task

    seconds = int_field(
        "seconds",
        seconds,
        low=FLASH_SALE_SECONDS_MIN,
        high=FLASH_SALE_SECONDS_MAX,
        message=f"Run a flash sale for {FLASH_SALE_SECONDS_MIN} to {FLASH_SALE_SECONDS_MAX} seconds.",
    )
    total_limit = int_field("total_limit", total_limit, low=1, high=UNITS_MAX, message="Sell at least one unit.")
    per_buyer_limit = int_field(
        "per_buyer_limit", per_buyer_limit, low=1, high=total_limit, message="From one unit to the sale's total."
    )
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    on_air_check(show)
    item = lineup_item_get(show_id=show.pk, item_id=item_id)
    product = item.product
    price_cents = int_field(
        "price_cents",
        price_cents,
        low=1,
        high=product.price_cents - 1,
        message=f"A flash sale price is below the product's price ({product.price_cents} cents).",
    )
    if not product.is_active:
        raise Conflict(f"{product.title} is no longer sold.", code="not_sold")
    if total_limit > product.quantity_available:
        raise ApplicationError(
            INVALID_FIELDS, fields={"total_limit": [f"Only {product.quantity_available} are in stock."]}
        )
    now = timezone.now()
    current = _active_sale_lock(show.pk)
    if current is not None and current.is_due(now):
        _sale_end_locked(current, now=now, reason="time")
    elif current is not None:
        raise Conflict("End the running flash sale first.", code="sale_active", extra={"sale_id": current.pk})
    sale = FlashSale.objects.create(
        show=show,
        item=item,
        product=product,
        price_cents=price_cents,
        currency=product.currency,
        total_limit=total_limit,
        per_buyer_limit=per_buyer_limit,
        started_at=now,
        ends_at=now + timedelta(seconds=seconds),
    )
    pin_locked(show, item)
    show_event(show.pk, "flash_sale.started", {"sale": sale_payload(sale)})
    transaction.on_commit(lambda: flash_sale_end_due_task.apply_async((sale.pk,), eta=sale.ends_at), robust=True)
    return sale


@dataclass(frozen=True)
class FlashSaleBought:
    sale: FlashSale
    order: Order


@transaction.atomic
def flash_sale_buy(
    *,
    buyer: User,
    sale_id: Any,
    quantity: Any,
    received_at: datetime,
    show_id: int | None = None,
    shipping: dict[str, Any] | None = None,
) -> FlashSaleBought:
    """Buy units of a flash sale at its price: an order awaiting payment, its stock held.

    `received_at` is when the server received the request: its clock decides whether the sale was
    still on. The sale's total, the buyer's limit and the stock are each taken by one conditional
    UPDATE; any refusal rolls back all three.
    """
    sale_id = id_field("sale_id", sale_id)
    quantity = int_field("quantity", quantity, low=1, high=UNITS_MAX, message="Buy at least one unit.")
    sales = FlashSale.objects.select_related("show")
    sale = sales.filter(pk=sale_id, show_id=show_id).first() if show_id else sales.filter(pk=sale_id).first()
    if sale is None:
        raise NotFound("This product is not on flash sale.", code="not_on_sale")
    if not sale.is_active or received_at >= sale.ends_at:
        raise Conflict("This flash sale has ended.", code="sale_ended")
    if sale.show.seller_id == buyer.pk:
        raise ApplicationError("You cannot buy your own product.", code="own_product")
    # Nearly every attempt late in a busy sale meets a sold-out sale: one read without locks answers
    # those; the conditional UPDATE below still decides every unit.
    if sale.sold + quantity > sale.total_limit:
        raise SoldOut(remaining=sale.total_limit - sale.sold)
    FlashSaleBuyer.objects.bulk_create(
        [FlashSaleBuyer(sale=sale, buyer=buyer, limit=sale.per_buyer_limit)], ignore_conflicts=True
    )
    taken = FlashSaleBuyer.objects.filter(sale=sale, buyer=buyer, quantity__lte=F("limit") - quantity).update(
        quantity=F("quantity") + quantity
    )
    if not taken:
        row = FlashSaleBuyer.objects.get(sale=sale, buyer=buyer)
        raise LimitReached(left=row.limit - row.quantity)
    sold = FlashSale.objects.filter(
        pk=sale.pk,
        status=FlashSaleStatus.ACTIVE,
        ends_at__gt=received_at,
        sold__lte=F("total_limit") - quantity,
    ).update(sold=F("sold") + quantity)
    if not sold:
        sale.refresh_from_db()
        if not sale.is_active:
            raise Conflict("This flash sale has ended.", code="sale_ended")
        raise SoldOut(remaining=sale.remaining)
    order = order_create_for_line(
        buyer=buyer,
        product_id=sale.product_id,
        quantity=quantity,
        unit_price_cents=sale.price_cents,
        source=f"Flash sale {sale.pk} in show {sale.show_id}",
        shipping=shipping,
    )
    FlashSalePurchase.objects.create(
        sale=sale, show_id=sale.show_id, buyer=buyer, order=order, quantity=quantity, amount_cents=order.subtotal_cents
    )
    coalesce_on_commit(f"flash-sale:{sale.pk}", lambda: flash_sale_update_publish(sale_id=sale.pk))
    sale.refresh_from_db()
    return FlashSaleBought(sale=sale, order=order)


def flash_sale_update_publish(*, sale_id: int) -> None:
    """Broadcast the units left in a running sale (the coalesced `flash_sale.updated`)."""
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is not None and sale.is_active:
        show_event(sale.show_id, "flash_sale.updated", {"sale_id": sale.pk, "remaining": sale.remaining})


@transaction.atomic
def flash_sale_end(*, actor: User, show_id: int, sale_id: Any) -> FlashSale:
    """End a flash sale before its time (host only); ending it again changes nothing."""
    sale_id = id_field("sale_id", sale_id)
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    sale = FlashSale.objects.select_for_update().filter(pk=sale_id, show_id=show.pk).first()
    if sale is None:
        raise NotFound("No such flash sale.", code="not_on_sale")
    if not sale.is_active:
        return sale
    return _sale_end_locked(sale, now=timezone.now(), reason="host")


@transaction.atomic
def flash_sale_end_due(*, sale_id: int, now: datetime | None = None) -> bool:
    """End the sale if its time is up (the timer's task); False, with nothing changed, if not."""
    now = now or timezone.now()
    sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
    if sale is None or not sale.is_due(now):
        return False
    _sale_end_locked(sale, now=now, reason="time")
    return True


def flash_sales_end_due(*, now: datetime | None = None) -> int:
    """End every sale whose time is up (the sweep behind lost timer tasks); returns how many."""
    now = now or timezone.now()
    due = FlashSale.objects.filter(status=FlashSaleStatus.ACTIVE, ends_at__lte=now).values_list("pk", flat=True)
    return sum(flash_sale_end_due(sale_id=sale_id, now=now) for sale_id in list(due[:FLASH_SALES_END_BATCH]))


@transaction.atomic
def flash_sale_end_for_show(*, show_id: int) -> None:
    """End the show's running sale, if any (the show ended)."""
    sale = _active_sale_lock(show_id)
    if sale is not None:
        _sale_end_locked(sale, now=timezone.now(), reason="show_ended")
