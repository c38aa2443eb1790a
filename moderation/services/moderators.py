"""Who moderates: Tokshop's staff moderators (the Moderators group) and the people a seller
appoints for their own shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.users.selectors import user_get_active_by_email

from ..models import AuditAction, SellerModerator
from .audit import audit_record

if TYPE_CHECKING:
    from tokshop.users.models import User

MODERATORS_GROUP = "Moderators"
UNKNOWN_EMAIL = "No active Tokshop account uses this e-mail address: the person signs up first."
# What a staff moderator may do in the admin: act everywhere, work the queue and the sanctions,
# read (not edit) accounts, products and orders to see reported content in context.
MODERATOR_PERMISSIONS = {
    "moderation": ["moderate_everywhere", "view_*", "add_*", "change_*"],
    "users": ["view_user", "view_sellerprofile"],
    "commerce": ["view_product", "view_order", "view_review"],
}


def moderators_group_sync() -> Group:
    """Give the Moderators group exactly the permissions above (run after every migrate, so
    permissions of models added later join the group by themselves)."""
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = Permission.objects.none()
    for app_label, codenames in MODERATOR_PERMISSIONS.items():
        for codename in codenames:
            rows = Permission.objects.filter(content_type__app_label=app_label)
            if codename.endswith("*"):
                rows = rows.filter(codename__startswith=codename[:-1])
            else:
                rows = rows.filter(codename=codename)
            wanted = wanted | rows
    group.permissions.set(wanted)
    return group


@transaction.atomic
def staff_moderator_appoint(*, user: User) -> User:
    """Make `user` one of Tokshop's moderators: the admin opens to them and they act everywhere."""
    user.is_staff = True
    user.is_moderator = True
    user.save(update_fields=["is_staff", "is_moderator"])
    user.groups.add(moderators_group_sync())
    return user


@transaction.atomic
def seller_moderator_appoint(*, seller: User, moderator: User, show_id: int | None = None) -> SellerModerator:
    """Let `moderator` moderate `seller`'s shows, or with `show_id` that one show of theirs (the caller
    checks the show is the seller's); appointing someone twice returns the same row."""
    if moderator.pk == seller.pk:
        raise ApplicationError("You already moderate your own shows.", code="self_appointment")
    if not moderator.is_active:
        raise NotFound("No such user.")
    entry, created = SellerModerator.objects.get_or_create(seller=seller, moderator=moderator, show_id=show_id)
    if created:
        what = "one of their shows" if show_id is not None else "their shows"
        audit_record(
            actor=seller,
            action=AuditAction.MODERATOR_APPOINT,
            target_user=moderator,
            seller_id=seller.pk,
            show_id=show_id,
            notify=(
                f"You moderate {seller.display_name}'s {'show' if show_id is not None else 'shows'}",
                f"{seller.display_name} made you a moderator of {what}: you can mute, ban and lift sanctions there.",
            ),
        )
    return entry


def seller_moderator_appoint_by_email(*, seller: User, email: str, show_id: int | None = None) -> SellerModerator:
    """Appoint the account signed in with `email` (how a seller knows the person they trust)."""
    moderator = user_get_active_by_email(email=email)
    if moderator is None:
        raise NotFound(UNKNOWN_EMAIL, fields={"email": [UNKNOWN_EMAIL]})
    return seller_moderator_appoint(seller=seller, moderator=moderator, show_id=show_id)


@transaction.atomic
def seller_moderator_remove(*, seller: User, moderator_id: int, show_id: int | None = None) -> None:
    """Take back an appointment: to all the seller's shows, or with `show_id` to that one show."""
    entry = (
        SellerModerator.objects.select_related("moderator")
        .filter(seller=seller, moderator_id=moderator_id, show_id=show_id)
        .first()
    )
    if entry is None:
        raise NotFound("This person doesn't moderate your shows.")
    entry.delete()
    what = "one of their shows" if show_id is not None else "their shows"
    audit_record(
        actor=seller,
        action=AuditAction.MODERATOR_REMOVE,
        target_user=entry.moderator,
        seller_id=seller.pk,
        show_id=show_id,
        notify=(
            f"You no longer moderate {seller.display_name}'s {'show' if show_id is not None else 'shows'}",
            f"{seller.display_name} removed you from the moderators of {what}.",
        ),
    )
