"""What people can report: a small table of kinds, each saying how to find a thing the reporter can
see, whose it is, and how a moderator deletes it.

Moderation registers `user` and `product` itself. Apps above it (shows, which moderation may never
import) register their own kinds from their AppConfig.ready, for example:

    from moderation.reportables import Reportable, reportable_register

    reportable_register(Reportable(
        kind="message",
        model=ChatMessage,
        label="chat message",
        find=lambda reporter, pk: ChatMessage.objects.visible_to(reporter).filter(pk=pk).first(),
        author=lambda message: message.sender,
        seller_id=lambda message: message.show.seller_id,
        name=lambda message: f"{message.sender.display_name}'s message",
        url=lambda message: message.show.get_absolute_url(),
        describe=lambda message: {"Text": message.text, "Show": message.show.title},
    ))

A kind without `delete` is deleted by its own app: it listens to `moderation.signals.content_removed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import Model
from django.urls import reverse

from tokshop.core.errors import NotFound

if TYPE_CHECKING:
    from tokshop.users.models import User


class Link(NamedTuple):
    """A value of `describe` shown as a link."""

    text: str
    url: str


@dataclass(frozen=True)
class Reportable:
    kind: str
    model: type[Model]
    label: str
    # The thing with this id if it exists and `reporter` may see it; None otherwise.
    find: Callable[[User, int], Model | None]
    # The person behind it: a sanction from the queue falls on them.
    author: Callable[[Any], User | None]
    # Whose shop or show it belongs to; None when it belongs to nobody's.
    seller_id: Callable[[Any], int | None]
    # What the reporter sees it called, and the page where people see it (None: no page of its own).
    name: Callable[[Any], str]
    url: Callable[[Any], str | None]
    # What a moderator reads beside the report, label to value: text, a Link, or a list of either.
    describe: Callable[[Any], dict[str, Any]]
    # Takes it down (`actor` the moderator); None: the owning app does, on `content_removed`.
    delete: Callable[[User, Any], None] | None = field(default=None)
    # A person is reported, not taken down: moderators warn, mute or ban them instead.
    is_content: bool = True


_KINDS: dict[str, Reportable] = {}


def reportable_register(reportable: Reportable) -> None:
    """Make a kind reportable; registering a kind twice keeps the last (code reloads in development)."""
    _KINDS[reportable.kind] = reportable


def reportable_kinds() -> list[str]:
    return sorted(_KINDS)


def reportable_get(kind: str) -> Reportable:
    reportable = _KINDS.get(kind)
    if reportable is None:
        raise NotFound("Nothing of this kind can be reported.", code="unknown_kind")
    return reportable


def reportable_find(*, reporter: User, kind: str, object_id: int) -> tuple[Reportable, Any]:
    """The kind and the thing `reporter` would report; NotFound when it does not exist or they cannot see it."""
    reportable = reportable_get(kind)
    target = reportable.find(reporter, object_id)
    if target is None:
        raise NotFound(f"No such {reportable.label}.")
    return reportable, target


def reportable_kinds_builtin() -> list[Reportable]:
    """The kinds moderation knows without the apps above it: people and products."""
    from commerce.models import Product
    from commerce.selectors import product_get_for_seller, product_get_public
    from commerce.services.catalog import product_archive
    from tokshop.users.models import User

    from .selectors import report_list_against_user, sanction_list_recent_for_user
    from .services.sanctions import sanction_where

    def find_user(reporter: User, pk: int) -> User | None:
        return User.objects.select_related("seller_profile").filter(pk=pk, is_active=True).first()

    def user_url(user: User) -> str | None:
        shop = getattr(user, "seller_profile", None)
        return reverse("commerce:shop", args=[shop.slug]) if shop else None

    def describe_user(user: User) -> dict[str, Any]:
        shop = getattr(user, "seller_profile", None)
        return {
            "Name": user.display_name,
            "E-mail": user.email,
            "Joined": user.date_joined,
            "Shop": Link(shop.shop_name, user_url(user) or "") if shop else "—",
            "Recent sanctions": [
                f"{s.get_kind_display()} {sanction_where(s)}: {s.reason} ({s.created_at:%Y-%m-%d})"
                for s in sanction_list_recent_for_user(user=user)
            ]
            or "None",
            "Reports against them": [
                f"{r.get_reason_display()} ({r.kind}, {r.get_status_display().lower()}, {r.created_at:%Y-%m-%d})"
                for r in report_list_against_user(user=user)
            ]
            or "None",
        }

    def find_product(reporter: User, pk: int) -> Product | None:
        return product_get_public(product_id=pk) or product_get_for_seller(seller=reporter, product_id=pk)

    def describe_product(product: Product) -> dict[str, Any]:
        pictures = list(product.images.all())
        return {
            "Title": Link(product.title, product.get_absolute_url()),
            "Seller": f"{product.seller.display_name} <{product.seller.email}>",
            "Status": product.get_status_display(),
            "Description": product.description or "—",
            "Pictures": [Link(f"Picture {n}", p.image.url) for n, p in enumerate(pictures, 1)] or "None",
        }

    def archive_product(actor: User, product: Product) -> None:
        product_archive(seller=product.seller, product_id=product.pk)

    return [
        Reportable(
            kind="user",
            model=User,
            label="person",
            find=find_user,
            author=lambda user: user,
            seller_id=lambda user: user.pk if user.is_seller else None,
            name=lambda user: user.display_name,
            url=user_url,
            describe=describe_user,
            is_content=False,
        ),
        Reportable(
            kind="product",
            model=Product,
            label="product",
            find=find_product,
            author=lambda product: product.seller,
            seller_id=lambda product: product.seller_id,
            name=lambda product: product.title,
            url=lambda product: product.get_absolute_url(),
            describe=describe_product,
            delete=archive_product,
        ),
    ]
