"""Writes for a seller's shows: scheduling and editing one, its lineup and the moderators of that
one show. The lifecycle (go live, pause, end…) is in lifecycle.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from commerce.models import Category, Product
from commerce.services.catalog import PRODUCT_IMAGE_CONTENT_TYPES, PRODUCT_IMAGE_MAX_BYTES, TAGS_MAX, tags_normalize
from moderation.services.moderators import seller_moderator_appoint_by_email, seller_moderator_remove
from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.core.images import image_validate

from .. import events
from ..models import ON_AIR, LineupItem, Show, ShowStatus, Visibility
from ..signals import show_scheduled

if TYPE_CHECKING:
    from tokshop.users.models import User

# A lineup is what the host can show in one sitting; more is a catalog, not a show.
LINEUP_MAX = 50
# A start a little in the past is a form filled slowly, not a mistake; it is refused past this.
START_GRACE = timedelta(minutes=5)
# How far ahead a show may be scheduled.
START_HORIZON = timedelta(days=365)
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category_id",
        "tags",
        "scheduled_start",
        "visibility",
        "max_viewers",
        "chat_enabled",
        "questions_enabled",
    }
)


def category_get(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise ApplicationError(INVALID_FIELDS, fields={"category_id": ["Choose one of the categories."]})
    return category


def start_check(start: datetime, *, field: str = "scheduled_start") -> None:
    now = timezone.now()
    if start < now - START_GRACE:
        raise ApplicationError(INVALID_FIELDS, fields={field: ["Choose a time in the future."]})
    if start > now + START_HORIZON:
        raise ApplicationError(INVALID_FIELDS, fields={field: ["Choose a time within the next year."]})


def template_clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """Check a show's or a schedule's common fields, raising every problem at once by field name."""
    fields: dict[str, list[str]] = {}
    obj.title = obj.title.strip()
    obj.description = obj.description.strip()
    obj.tags = tags_normalize(obj.tags)
    if not obj.title:
        fields["title"] = ["Give the show a title."]
    if obj.tags and len(obj.tags.split(",")) > TAGS_MAX:
        fields["tags"] = [f"Use at most {TAGS_MAX} tags."]
    if len(obj.tags) > 300:
        fields["tags"] = ["Use shorter tags."]
    if obj.max_viewers is not None and obj.max_viewers < 1:
        fields["max_viewers"] = ["Leave it empty for no limit, or allow at least one viewer."]
    try:
        obj.full_clean(
            exclude=["seller", "thumbnail", "schedule", "pinned_item", *exclude],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            fields.setdefault("category_id" if field == "category" else field, []).extend(messages)
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)


def _thumbnail_check(thumbnail: UploadedFile | None) -> None:
    if thumbnail is not None:
        image_validate(
            thumbnail, field="thumbnail", max_bytes=PRODUCT_IMAGE_MAX_BYTES, content_types=PRODUCT_IMAGE_CONTENT_TYPES
        )


def lineup_products(*, seller: User, product_ids: list[int], field: str = "product_ids") -> list[Product]:
    """The seller's active products, in the order given; refuses duplicates and anyone else's."""
    if len(product_ids) != len(set(product_ids)):
        raise ApplicationError(INVALID_FIELDS, fields={field: ["A product is in a lineup once."]})
    if len(product_ids) > LINEUP_MAX:
        raise ApplicationError(INVALID_FIELDS, fields={field: [f"A lineup has at most {LINEUP_MAX} products."]})
    found = {p.pk: p for p in Product.objects.active().filter(seller=seller, pk__in=product_ids)}
    missing = [pk for pk in product_ids if pk not in found]
    if missing:
        raise ApplicationError(
            INVALID_FIELDS, fields={field: ["Choose from your own products that are for sale."]}, extra={"ids": missing}
        )
    return [found[pk] for pk in product_ids]


@transaction.atomic
def show_create(
    *,
    seller: User,
    title: str,
    scheduled_start: datetime,
    description: str = "",
    thumbnail: UploadedFile | None = None,
    category_id: int | None = None,
    tags: str | list[str] = "",
    visibility: str = Visibility.PUBLIC,
    max_viewers: int | None = None,
    chat_enabled: bool = True,
    questions_enabled: bool = True,
    product_ids: list[int] | None = None,
) -> Show:
    """Schedule a show; its seller's followers are told once it is saved."""
    if not seller.is_seller:
        raise PermissionDenied("Open a shop before you schedule shows.", code="not_seller")
    show = Show(
        seller=seller,
        title=title,
        description=description,
        category=category_get(category_id),
        tags=tags_normalize(tags),
        scheduled_start=scheduled_start,
        visibility=visibility,
        max_viewers=max_viewers,
        chat_enabled=chat_enabled,
        questions_enabled=questions_enabled,
    )
    template_clean(show)
    start_check(scheduled_start)
    _thumbnail_check(thumbnail)
    products = lineup_products(seller=seller, product_ids=product_ids or [])
    if thumbnail is not None:
        show.thumbnail.save(thumbnail.name or "thumbnail.jpg", thumbnail, save=False)
    show.save()
    LineupItem.objects.bulk_create(
        LineupItem(show=show, product=product, position=index) for index, product in enumerate(products)
    )
    transaction.on_commit(lambda: show_scheduled.send(sender=Show, show=show))
    return show


def _own_show_lock(*, seller: User, show_id: int) -> Show:
    show = Show.objects.select_for_update().filter(pk=show_id, seller=seller).first()
    if show is None:
        raise NotFound("No such show.")
    return show


def _not_over_check(show: Show) -> None:
    if show.status not in (ShowStatus.SCHEDULED, *ON_AIR):
        raise Conflict("This show is over: schedule a new one.", code="show_over", extra={"status": show.status})


@transaction.atomic
def show_update(
    *,
    seller: User,
    show_id: int,
    thumbnail: UploadedFile | None = None,
    thumbnail_clear: bool = False,
    **changes: Any,
) -> Show:
    """Change one of the seller's shows before or during it. Only the fields in EDITABLE_FIELDS may
    be given (the start only while it is scheduled): the seller, status and stamps never change here."""
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError(
            INVALID_FIELDS, fields={name: ["This field cannot be changed here."] for name in refused}
        )
    show = _own_show_lock(seller=seller, show_id=show_id)
    _not_over_check(show)
    if show.is_on_air and "scheduled_start" in changes and changes.pop("scheduled_start") != show.scheduled_start:
        raise ApplicationError(
            INVALID_FIELDS, fields={"scheduled_start": ["The show has started: its start cannot move."]}
        )
    if "category_id" in changes:
        show.category = category_get(changes.pop("category_id"))
    for name, value in changes.items():
        setattr(show, name, value)
    template_clean(show)
    if "scheduled_start" in changes:
        start_check(show.scheduled_start)
    _thumbnail_check(thumbnail)
    old_thumbnail = show.thumbnail.name if (thumbnail is not None or thumbnail_clear) else ""
    if thumbnail is not None:
        show.thumbnail.save(thumbnail.name or "thumbnail.jpg", thumbnail, save=False)
    elif thumbnail_clear:
        show.thumbnail = ""
    show.save()
    if old_thumbnail:
        storage = show.thumbnail.storage
        transaction.on_commit(lambda: storage.delete(old_thumbnail), robust=True)
    if show.is_on_air:
        events.show_status_changed(show)
    return show


# --- Lineup ------------------------------------------------------------------------------------


def _lineup_write(show: Show, products: list[Product]) -> list[LineupItem]:
    """Make the lineup exactly `products`, in order, keeping the rows (and their clicks) of products
    that stay."""
    existing = {item.product_id: item for item in show.lineup.all()}
    wanted = {product.pk for product in products}
    LineupItem.objects.filter(show=show).exclude(product_id__in=wanted).delete()
    items = []
    for position, product in enumerate(products):
        item = existing.get(product.pk) or LineupItem(show=show, product=product)
        item.position = position
        item.save()
        items.append(item)
    if show.is_on_air:
        events.lineup_updated(show)
    return items


def _lineup_locked(*, seller: User, show_id: int) -> tuple[Show, list[int]]:
    show = _own_show_lock(seller=seller, show_id=show_id)
    _not_over_check(show)
    return show, list(show.lineup.values_list("product_id", flat=True))


@transaction.atomic
def lineup_set(*, seller: User, show_id: int, product_ids: list[int]) -> list[LineupItem]:
    """Replace the show's lineup with these products of the seller's, in this order (sending the
    same list again changes nothing)."""
    show, _ = _lineup_locked(seller=seller, show_id=show_id)
    return _lineup_write(show, lineup_products(seller=seller, product_ids=product_ids))


@transaction.atomic
def lineup_add(*, seller: User, show_id: int, product_id: int) -> list[LineupItem]:
    """Put one of the seller's products at the end of the lineup; one already in it stays where it is."""
    show, current = _lineup_locked(seller=seller, show_id=show_id)
    if product_id in current:
        return list(show.lineup.order_by("position", "id"))
    # Only the new product is checked: one already in the lineup and archived since stays where it is.
    [product] = lineup_products(seller=seller, product_ids=[product_id], field="product_id")
    if len(current) >= LINEUP_MAX:
        raise ApplicationError(INVALID_FIELDS, fields={"product_id": [f"A lineup has at most {LINEUP_MAX} products."]})
    return _lineup_write(show, [*_products_in_order(current), product])


def _products_in_order(product_ids: list[int]) -> list[Product]:
    products = {p.pk: p for p in Product.objects.filter(pk__in=product_ids)}
    return [products[pk] for pk in product_ids]


def _item_index(show: Show, current: list[int], item_id: int) -> int:
    item = LineupItem.objects.filter(pk=item_id, show=show).first()
    if item is None:
        raise NotFound("No such product in this lineup.")
    return current.index(item.product_id)


@transaction.atomic
def lineup_remove(*, seller: User, show_id: int, item_id: int) -> list[LineupItem]:
    """Take one product out of the lineup."""
    show, current = _lineup_locked(seller=seller, show_id=show_id)
    del current[_item_index(show, current, item_id)]
    return _lineup_write(show, _products_in_order(current))


@transaction.atomic
def lineup_move(*, seller: User, show_id: int, item_id: int, offset: int) -> list[LineupItem]:
    """Move one product up (offset -1) or down (+1) the lineup; at either end it stays put."""
    show, current = _lineup_locked(seller=seller, show_id=show_id)
    index = _item_index(show, current, item_id)
    target = min(max(index + offset, 0), len(current) - 1)
    current.insert(target, current.pop(index))
    return _lineup_write(show, _products_in_order(current))


# --- Moderators of one show ------------------------------------------------------------------


@transaction.atomic
def show_moderator_add(*, seller: User, show_id: int, email: str) -> Any:
    """Appoint someone, by their account's e-mail, to moderate this one show of the seller's."""
    show = _own_show_lock(seller=seller, show_id=show_id)
    _not_over_check(show)
    return seller_moderator_appoint_by_email(seller=seller, email=email, show_id=show.pk)


@transaction.atomic
def show_moderator_remove(*, seller: User, show_id: int, moderator_id: int) -> None:
    show = _own_show_lock(seller=seller, show_id=show_id)
    seller_moderator_remove(seller=seller, moderator_id=moderator_id, show_id=show.pk)
