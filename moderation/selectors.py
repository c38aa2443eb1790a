from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import (
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    SellerModerator,
    SlowMode,
    VerificationRequest,
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


def verification_request_latest(*, seller: "User") -> VerificationRequest | None:
    """The seller's most recent verification request: the pending one, or the last decision."""
    return VerificationRequest.objects.filter(seller=seller).select_related("reviewer").first()
