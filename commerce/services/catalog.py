"""Writes for the catalog: products, their pictures and tags."""

import re
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, NotFound, PermissionDenied
from tokshop.core.images import image_validate
from tokshop.users.models import User

from ..catalog_cache import catalog_changed
from ..models import (
    Category,
    Condition,
    InventoryChange,
    InventoryReason,
    Product,
    ProductImage,
    ProductStatus,
)
from ..selectors import product_get_own_for_update
from .inventory import stock_announce

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
        raise ApplicationError(INVALID_FIELDS, fields=fields)


def _category_get(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise ApplicationError(INVALID_FIELDS, fields={"category_id": ["Choose one of the categories."]})
    return category


def _product_save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        # Two saves with one SKU raced past nothing: the unique constraint is the only check.
        raise ApplicationError(INVALID_FIELDS, fields={"sku": ["You already have a product with this SKU."]}) from exc


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
    catalog_changed()
    return product


@transaction.atomic
def product_update(*, seller: User, product_id: int, **changes: Any) -> Product:
    """Change the editable fields of one of the seller's products.

    Only the fields in EDITABLE_FIELDS may be given: the seller, the status and the id are not
    changed this way, whoever asks.
    """
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError(
            INVALID_FIELDS, fields={name: ["This field cannot be changed here."] for name in refused}
        )
    product = product_get_own_for_update(seller=seller, product_id=product_id)
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
            INVALID_FIELDS,
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
        stock_announce(product=product, on_hand_before=on_hand_before)
    catalog_changed()
    return product


@transaction.atomic
def product_archive(*, seller: User, product_id: int) -> Product:
    """Take a product out of the shop and out of search; archiving it again changes nothing."""
    product = product_get_own_for_update(seller=seller, product_id=product_id)
    if product.status != ProductStatus.ARCHIVED:
        product.status = ProductStatus.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        catalog_changed()
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
    product = product_get_own_for_update(seller=seller, product_id=product_id)
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
    catalog_changed()
    return picture


@transaction.atomic
def product_image_remove(*, seller: User, product_id: int, image_id: int) -> None:
    """Remove one picture from one of the seller's products; its files go once the removal commits."""
    product = product_get_own_for_update(seller=seller, product_id=product_id)
    picture = ProductImage.objects.filter(pk=image_id, product=product).first()
    if picture is None:
        raise NotFound("No such picture.")
    names = [name for name in (picture.image.name, picture.thumbnail.name) if name]
    storage = picture.image.storage
    picture.delete()
    catalog_changed()
    transaction.on_commit(lambda: _files_delete(storage, names), robust=True)


def _files_delete(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
