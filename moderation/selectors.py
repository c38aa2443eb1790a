from typing import TYPE_CHECKING

from django.db import models
from django.db.models import QuerySet

from tokshop.notifications.models import Notification, NotificationKind

from .models import (
    Appeal,
    AppealStatus,
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    Sanction,
    SellerModerator,
    SlowMode,
    WordKind,
)

if TYPE_CHECKING:
    from tokshop.users.models import User


def mute_word_list_for_seller(*, seller: "User") -> QuerySet[ModerationWord]:
    return ModerationWord.objects.filter(seller=seller, kind=WordKind.BLOCKED).order_by("word")


def pattern_list_for_seller(*, seller: "User") -> QuerySet[ModerationPattern]:
    return ModerationPattern.objects.filter(seller=seller).order_by("id")


def slow_mode_list_for_seller(*, seller: "User") -> QuerySet[SlowMode]:
    return SlowMode.objects.filter(seller=seller).order_by("show_id")


def is_staff_moderator(user: "User") -> bool:
    """Tokshop's own moderators (the Moderators group) and superusers act in every show."""
    return bool(user.is_active and user.has_perm("moderation.moderate_everywhere"))


def can_moderate(*, actor: "User", seller_id: int | None) -> bool:
    """Whether `actor` may moderate in the shows of the seller `seller_id` (None: Tokshop-wide)."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if is_staff_moderator(actor):
        return True
    if seller_id is None:
        return False
    return actor.pk == seller_id or SellerModerator.objects.filter(seller_id=seller_id, moderator=actor).exists()


def moderated_seller_ids(*, actor: "User") -> list[int]:
    """The sellers in whose shows `actor` moderates without being staff: their own and those who appointed them."""
    appointed = list(SellerModerator.objects.filter(moderator=actor).values_list("seller_id", flat=True))
    return [actor.pk, *appointed] if actor.is_seller else appointed


def seller_moderator_list(*, seller: "User") -> QuerySet[SellerModerator]:
    return SellerModerator.objects.filter(seller=seller).select_related("moderator").order_by("appointed_at")


def audit_list_for_user(*, user: "User") -> QuerySet[ModerationAction]:
    """The audit rows that touched `user`: what they were told and can appeal."""
    return ModerationAction.objects.filter(target_user=user).order_by("-created_at", "-id")


def sanction_list_for_user(*, user: "User") -> QuerySet[Sanction]:
    """A person's own sanctions, newest first, with where they hold and any appeal."""
    return Sanction.objects.filter(user=user).select_related("seller", "appeal").order_by("-created_at", "-id")


def moderation_notice_list(*, user: "User") -> QuerySet[Notification]:
    """The moderation notices a person received: warnings, mutes, bans, their end, appeal decisions."""
    return Notification.objects.filter(user=user, kind=NotificationKind.MODERATION).order_by("-created_at", "-id")


def appeal_list_for_user(*, user: "User") -> QuerySet[Appeal]:
    return Appeal.objects.filter(user=user).select_related("sanction__seller").order_by("-created_at", "-id")


def sanction_list_for_moderator(*, actor: "User", seller_id: int | None = None) -> QuerySet[Sanction]:
    """Sanctions in the shows `actor` moderates (every one for staff), optionally in one seller's."""
    sanctions = Sanction.objects.select_related("user", "seller").order_by("-created_at", "-id")
    if not is_staff_moderator(actor):
        sanctions = sanctions.filter(seller_id__in=moderated_seller_ids(actor=actor))
    if seller_id is not None:
        sanctions = sanctions.filter(seller_id=seller_id)
    return sanctions


def appeal_list_for_moderator(*, actor: "User", pending_only: bool = False) -> QuerySet[Appeal]:
    """Appeals `actor` may decide: of sanctions in the shows they moderate (every one for staff),
    never their own; the oldest pending first."""
    appeals = Appeal.objects.select_related("sanction__seller", "user").exclude(user=actor)
    if not is_staff_moderator(actor):
        appeals = appeals.filter(sanction__seller_id__in=moderated_seller_ids(actor=actor))
    if pending_only:
        appeals = appeals.filter(status=AppealStatus.PENDING)
    # Pending first ("granted" and "denied" sort before "pending", hence the explicit flag).
    return appeals.order_by(models.Case(models.When(status=AppealStatus.PENDING, then=0), default=1), "created_at")
