"""Writes for the catalog and its stock: products, pictures, reservations and the stock history."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.core.images import image_validate
from tokshop.core.mail import send_templated_mail
from tokshop.realtime.groups import product_group
from tokshop.realtime.streams import publish_on_commit
from tokshop.users.models import User

from . import events
from .models import (
    CART_LINE_MAX,
    SELLER_ADJUST_REASONS,
    Cart,
    CartItem,
    Category,
    Condition,
    InventoryChange,
    InventoryReason,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
    ProductImage,
    ProductStatus,
    ReservationStatus,
    StockReservation,
)
from .payments import ChargeStatus, payment_gateway
from .signals import order_paid

PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
PRODUCT_IMAGE_CONTENT_TYPES = {"image/jpeg", "image/png", "image/webp"}
PRODUCT_IMAGES_MAX = 8
THUMBNAIL_SIZE = 480
TAGS_MAX = 10
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "price_cents",
        "currency",
        "category_id",
        "condition",
        "tags",
        "sku",
        "shipping_weight_grams",
        "quantity_on_hand",
    }
)
NOT_A_PICTURE = "Upload a JPEG, PNG or WebP."
INVALID = "Please correct the highlighted fields."


def tags_normalize(tags: str | list[str]) -> str:
    """Lowercase, trimmed, de-duplicated tags as one comma-separated string, in the order given."""
    words = tags.split(",") if isinstance(tags, str) else tags
    seen: dict[str, None] = {}
    for word in words:
        tag = re.sub(r"\s+", " ", word).strip().lower()
        if tag:
            seen.setdefault(tag, None)
    return ",".join(seen)


def _product_clean(product: Product) -> None:
    fields: dict[str, list[str]] = {}
    product.title = product.title.strip()
    product.currency = product.currency.strip().upper()
    product.sku = product.sku.strip()
    product.description = product.description.strip()
    if not re.fullmatch(r"[A-Z]{3}", product.currency):
        fields["currency"] = ["Use a three-letter currency code, such as USD."]
    if len(product.tags.split(",")) > TAGS_MAX:
        fields["tags"] = [f"Use at most {TAGS_MAX} tags."]
    if product.price_cents is not None and product.price_cents <= 0:
        fields["price_cents"] = ["The price must be more than zero."]
    product.slug = slugify(product.title)[:140] or "product"
    try:
        product.full_clean(exclude=["seller", "slug"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            key = "category_id" if field == "category" else field
            fields.setdefault(key, []).extend(messages)
    if fields:
        raise ApplicationError(INVALID, fields=fields)


def _category_get(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise ApplicationError(INVALID, fields={"category_id": ["Choose one of the categories."]})
    return category


def _product_save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        # Two saves with one SKU raced past nothing: the unique constraint is the only check.
        raise ApplicationError(INVALID, fields={"sku": ["You already have a product with this SKU."]}) from exc


def _product_get_own_for_update(*, seller: User, product_id: int) -> Product:
    # Someone else's product answers "not found", so its existence is not revealed.
    product = Product.objects.select_for_update().filter(pk=product_id, seller=seller).first()
    if product is None:
        raise NotFound("No such product.")
    return product


@transaction.atomic
def product_create(
    *,
    seller: User,
    title: str,
    price_cents: int,
    description: str = "",
    currency: str = "USD",
    category_id: int | None = None,
    condition: str = Condition.NEW,
    tags: str | list[str] = "",
    sku: str = "",
    shipping_weight_grams: int = 0,
    quantity_on_hand: int = 0,
) -> Product:
    """Put a product in the seller's shop, active at once."""
    if not seller.is_seller:
        raise PermissionDenied("Open a shop before you add products.")
    product = Product(
        seller=seller,
        title=title,
        price_cents=price_cents,
        description=description,
        currency=currency,
        category=_category_get(category_id),
        condition=condition,
        tags=tags_normalize(tags),
        sku=sku,
        shipping_weight_grams=shipping_weight_grams,
        quantity_on_hand=quantity_on_hand,
    )
    _product_clean(product)
    _product_save(product)
    if quantity_on_hand:
        InventoryChange.objects.create(
            product=product, delta_on_hand=quantity_on_hand, reason=InventoryReason.LISTED, actor=seller
        )
    return product


@transaction.atomic
def product_update(*, seller: User, product_id: int, **changes: Any) -> Product:
    """Change the editable fields of one of the seller's products.

    Only the fields in EDITABLE_FIELDS may be given: the seller, the status and the id are not
    changed this way, whoever asks.
    """
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError(INVALID, fields={name: ["This field cannot be changed here."] for name in refused})
    product = _product_get_own_for_update(seller=seller, product_id=product_id)
    if "category_id" in changes:
        product.category = _category_get(changes.pop("category_id"))
    if "tags" in changes:
        changes["tags"] = tags_normalize(changes["tags"])
    on_hand_before = product.quantity_on_hand
    for name, value in changes.items():
        setattr(product, name, value)
    _product_clean(product)
    if product.quantity_on_hand < product.quantity_reserved:
        raise ApplicationError(
            INVALID,
            fields={
                "quantity_on_hand": [f"{product.quantity_reserved} are held for checkouts; keep at least that many."]
            },
        )
    _product_save(product)
    if product.quantity_on_hand != on_hand_before:
        InventoryChange.objects.create(
            product=product,
            delta_on_hand=product.quantity_on_hand - on_hand_before,
            reason=InventoryReason.CORRECTION,
            actor=seller,
        )
        _stock_announce(product=product, on_hand_before=on_hand_before)
    return product


@transaction.atomic
def product_archive(*, seller: User, product_id: int) -> Product:
    """Take a product out of the shop and out of search; archiving it again changes nothing."""
    product = _product_get_own_for_update(seller=seller, product_id=product_id)
    if product.status != ProductStatus.ARCHIVED:
        product.status = ProductStatus.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
    return product


def _thumbnail_make(upload: UploadedFile) -> "ContentFile[bytes]":
    from PIL import Image, ImageOps

    upload.seek(0)
    try:
        with Image.open(upload) as original:
            picture = ImageOps.exif_transpose(original).convert("RGB")
    except (Image.DecompressionBombError, OSError) as exc:
        # verify() reads the header only; decoding the pixels can still fail on a damaged file.
        raise ApplicationError(
            "That file is not a picture.", fields={"image": ["Upload a JPEG, PNG or WebP."]}
        ) from exc
    picture.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", quality=85, optimize=True)
    upload.seek(0)
    return ContentFile(buffer.getvalue())


@transaction.atomic
def product_image_add(*, seller: User, product_id: int, image: UploadedFile) -> ProductImage:
    """Add a picture to the end of one of the seller's products' gallery, with a 480px thumbnail."""
    image_validate(image, field="image", max_bytes=PRODUCT_IMAGE_MAX_BYTES, content_types=PRODUCT_IMAGE_CONTENT_TYPES)
    thumbnail = _thumbnail_make(image)
    # The product row lock serialises uploads to one product, so the count and positions hold.
    product = _product_get_own_for_update(seller=seller, product_id=product_id)
    existing = list(product.images.values_list("position", flat=True))
    if len(existing) >= PRODUCT_IMAGES_MAX:
        raise ApplicationError(
            f"A product has at most {PRODUCT_IMAGES_MAX} pictures.",
            fields={"image": [f"Remove a picture before adding another (at most {PRODUCT_IMAGES_MAX})."]},
        )
    picture = ProductImage(product=product, position=max(existing, default=-1) + 1)
    picture.image.save(image.name or "image.jpg", image, save=False)
    picture.thumbnail.save("thumb.jpg", thumbnail, save=False)
    picture.save()
    return picture


@transaction.atomic
def product_image_remove(*, seller: User, product_id: int, image_id: int) -> None:
    """Remove one picture from one of the seller's products; its files go once the removal commits."""
    product = _product_get_own_for_update(seller=seller, product_id=product_id)
    picture = ProductImage.objects.filter(pk=image_id, product=product).first()
    if picture is None:
        raise NotFound("No such picture.")
    names = [name for name in (picture.image.name, picture.thumbnail.name) if name]
    storage = picture.image.storage
    picture.delete()
    transaction.on_commit(lambda: _files_delete(storage, names), robust=True)


def _files_delete(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


# --- Inventory ------------------------------------------------------------------------------------

RESERVATION_TTL = timedelta(minutes=15)
SOLD_OUT = "Sorry, {title} sold out meanwhile."


def _stock_announce(*, product: Product, on_hand_before: int) -> None:
    """After a change to one product's stock: tell its watchers what is left, and its seller once
    when the count on hand falls to the low-stock threshold and once when it reaches zero."""
    from tokshop.notifications.models import NotificationKind
    from tokshop.notifications.services import notification_create

    publish_on_commit(
        product_group(product.pk),
        "product.stock_changed",
        events.product_stock_changed(product_id=product.pk, available=product.quantity_available),
    )
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


def stock_reserve(*, buyer: User, lines: dict[int, int], ttl: timedelta = RESERVATION_TTL) -> list[StockReservation]:
    """Hold units of products for a buyer, all or nothing; `lines` maps product ids to quantities.

    A product that has too few units left raises Conflict naming it, and nothing is held.
    """
    with transaction.atomic():
        return _stock_reserve(buyer=buyer, lines=lines, ttl=ttl)


def _stock_reserve(*, buyer: User, lines: dict[int, int], ttl: timedelta) -> list[StockReservation]:
    # The caller's transaction holds: a refusal must roll back everything the caller did too.
    reservations = []
    expires_at = timezone.now() + ttl
    # Rows are taken in primary-key order so two multi-line checkouts never wait on each other
    # in a cycle.
    for product_id in sorted(lines):
        quantity = lines[product_id]
        if quantity <= 0:
            raise ApplicationError(INVALID, fields={"quantity": ["Reserve at least one unit."]})
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
        _stock_announce(product=product, on_hand_before=product.quantity_on_hand)
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
        _stock_announce(product=product, on_hand_before=product.quantity_on_hand - on_hand)
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
        raise ApplicationError(INVALID, fields={"reason": ["Choose restock, correction, damaged or returned."]})
    if delta == 0:
        raise ApplicationError(INVALID, fields={"delta": ["Change the count by at least one."]})
    product = _product_get_own_for_update(seller=seller, product_id=product_id)
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
    _stock_announce(product=product, on_hand_before=before)


# --- Cart -----------------------------------------------------------------------------------------


def _cart_quantity_check(quantity: int) -> None:
    if not 1 <= quantity <= CART_LINE_MAX:
        raise ApplicationError(INVALID, fields={"quantity": [f"Choose between 1 and {CART_LINE_MAX}."]})


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
        raise ApplicationError(INVALID, fields={"quantity": [f"A cart holds at most {CART_LINE_MAX} of one product."]})
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


# --- Checkout and orders ---------------------------------------------------------------------------

# A flat rate per order (so per seller): each seller ships their own parcel.
SHIPPING_CENTS = 500
SHIPPING_FIELDS = (
    "shipping_name",
    "shipping_line1",
    "shipping_line2",
    "shipping_city",
    "shipping_postal_code",
    "shipping_country",
)
ORDER_TIMESTAMPS = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def _shipping_clean(shipping: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(shipping) - set(SHIPPING_FIELDS))
    if unknown:
        raise ApplicationError(INVALID, fields={name: ["This field cannot be sent at checkout."] for name in unknown})
    clean = {name: str(shipping.get(name, "")).strip() for name in SHIPPING_FIELDS}
    clean["shipping_country"] = clean["shipping_country"].upper()
    fields = {
        name: ["This field is required."] for name in SHIPPING_FIELDS if name != "shipping_line2" and not clean[name]
    }
    if clean["shipping_country"] and not re.fullmatch(r"[A-Z]{2}", clean["shipping_country"]):
        fields["shipping_country"] = ["Use a two-letter country code, such as US."]
    if fields:
        raise ApplicationError(INVALID, fields=fields)
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


@transaction.atomic
def checkout(*, buyer: User, shipping: dict[str, str]) -> list[Order]:
    """Turn the buyer's cart into one order per seller, awaiting payment, with the stock held.

    All or nothing: if any product cannot be held, nothing is held or created and the Conflict
    names that product. Prices and totals come from the catalog, never from the caller.
    """
    address = _shipping_clean(shipping)
    cart = Cart.objects.select_for_update().filter(buyer=buyer).first()
    items = list(cart.items.select_related("product").order_by("product_id")) if cart else []
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
    # No savepoint: a line that cannot be held rolls the whole checkout back, and skipping it saves
    # two round trips on the sold-out path, the hottest one in a flash sale.
    holds = _stock_reserve(buyer=buyer, lines={i.product_id: i.quantity for i in items}, ttl=RESERVATION_TTL)
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
    from .tasks import order_receipt_send_task

    order = _order_get_for_update(order_id=order_id, buyer=buyer)
    _order_require(order, OrderStatus.PENDING_PAYMENT)
    held = _order_hold_stock(order)
    attempt = order.events.count()
    result = payment_gateway().charge(
        amount_cents=order.total_cents,
        currency=order.currency,
        card_number=card_number,
        idempotency_key=f"order-{order.pk}-attempt-{attempt}",
    )
    if result.status != ChargeStatus.SUCCEEDED:
        order.payment_failure = result.message[:200]
        order.save(update_fields=["payment_failure"])
        OrderEvent.objects.create(
            order=order, actor=buyer, from_status=order.status, to_status=order.status, note=f"Payment {result.status}"
        )
        return PaymentOutcome(order=order, status=result.status, message=result.message)
    order.payment_reference = result.reference
    order.payment_failure = ""
    _order_transition(order, to=OrderStatus.PAID, actor=buyer, fields=("payment_reference", "payment_failure"))
    stock_commit(reservation_ids=held, actor=buyer)
    InventoryChange.objects.filter(reservation_id__in=held, order__isnull=True).update(order=order)
    _order_notify(order, user=buyer, title=f"Order {order.number} is paid", body="The seller will ship it soon.")
    _order_notify(
        order,
        user=order.seller,
        title=f"New order {order.number}",
        body="Paid and ready to ship.",
        url=reverse("commerce:seller_order", kwargs={"order_id": order.pk}),
    )
    transaction.on_commit(lambda: order_receipt_send_task.delay(order.pk), robust=True)
    transaction.on_commit(lambda: order_paid.send(sender=Order, order=order))
    return PaymentOutcome(order=order, status=result.status, message=result.message)


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
    _order_require(order, OrderStatus.PENDING_PAYMENT)
    stock_release(reservation_ids=list(order.reservations.active().values_list("pk", flat=True)), actor=buyer)
    _order_transition(order, to=OrderStatus.CANCELLED, actor=buyer, note="Cancelled by the buyer")
    return order


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
        raise ApplicationError(INVALID, fields=fields)
    order = _order_get_for_update(order_id=order_id, seller=seller)
    _order_require(order, OrderStatus.PAID)
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
    _order_require(order, OrderStatus.SHIPPED)
    _order_transition(order, to=OrderStatus.DELIVERED, actor=buyer)
    return order
