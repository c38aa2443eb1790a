from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from tokshop.notifications.models import Notification, NotificationKind

from .models import (
    Appeal,
    AppealStatus,
    HeldMessage,
    HeldStatus,
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    Report,
    Sanction,
    SanctionKind,
    SanctionScope,
    SellerModerator,
    SlowMode,
    VerificationRequest,
    WordKind,
)

if TYPE_CHECKING:
    from tokshop.users.models import User

# How far back the moderation pages list sanctions that no longer hold, and how many of them.
RECENT_SANCTIONS_DAYS = 30
RECENT_SANCTIONS_MAX = 25


def mute_word_list_for_seller(*, seller: "User") -> QuerySet[ModerationWord]:
    return ModerationWord.objects.filter(seller=seller, kind=WordKind.BLOCKED).order_by("word")


def pattern_list_for_seller(*, seller: "User") -> QuerySet[ModerationPattern]:
    return ModerationPattern.objects.filter(seller=seller).order_by("id")


def slow_mode_list_for_seller(*, seller: "User") -> QuerySet[SlowMode]:
    return SlowMode.objects.filter(seller=seller).order_by("show_id")


def is_staff_moderator(user: "User") -> bool:
    """Tokshop's own moderators (the Moderators group) and superusers act in every show."""
    return bool(user.is_active and user.has_perm("moderation.moderate_everywhere"))


def can_moderate(*, actor: "User", seller_id: int | None, show_id: int | None = None) -> bool:
    """Whether `actor` may moderate in the shows of the seller `seller_id` (None: Tokshop-wide), or,
    with `show_id`, in that one show of theirs (where a moderator appointed for it alone may act too)."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if is_staff_moderator(actor):
        return True
    if seller_id is None:
        return False
    if actor.pk == seller_id:
        return True
    appointed = SellerModerator.objects.filter(seller_id=seller_id, moderator=actor)
    if show_id is None:
        return appointed.filter(show_id__isnull=True).exists()
    return appointed.filter(Q(show_id__isnull=True) | Q(show_id=show_id)).exists()


def moderated_seller_ids(*, actor: "User") -> list[int]:
    """The sellers in whose shows `actor` moderates without being staff: their own and those who appointed
    them for all their shows (a moderator of one show sees only that show, in its room)."""
    appointed = list(
        SellerModerator.objects.filter(moderator=actor, show_id__isnull=True).values_list("seller_id", flat=True)
    )
    return [actor.pk, *appointed] if actor.is_seller else appointed


def seller_moderator_list(*, seller: "User", show_id: int | None = None) -> QuerySet[SellerModerator]:
    """The moderators of all the seller's shows, or with `show_id` those appointed for that show alone."""
    rows = SellerModerator.objects.filter(seller=seller)
    rows = rows.filter(show_id__isnull=True) if show_id is None else rows.filter(show_id=show_id)
    return rows.select_related("moderator").order_by("appointed_at")


def is_appointed_moderator(user: "User") -> bool:
    """Whether some seller appointed `user` to moderate their shows."""
    return SellerModerator.objects.filter(moderator=user).exists()


def seller_list_moderated_by(*, actor: "User") -> list["User"]:
    """The sellers whose shows `actor` moderates without being staff: their own shop first, then the
    sellers who appointed them by name."""
    ids = moderated_seller_ids(actor=actor)
    sellers = get_user_model().objects.filter(pk__in=ids, is_active=True).select_related("seller_profile")
    return sorted(sellers, key=lambda seller: (seller.pk != actor.pk, seller.display_name.lower(), seller.pk))


def slow_mode_default_for_seller(*, seller: "User") -> int:
    """The seconds between messages in the seller's shows unless a show sets its own; 0 is off."""
    mode = SlowMode.objects.filter(seller=seller, show_id__isnull=True).first()
    return mode.seconds if mode is not None else 0


@dataclass(frozen=True)
class SellerSanctions:
    active: list[Sanction]
    recent: list[Sanction]


def sanction_list_for_seller(*, seller_id: int, now: datetime) -> SellerSanctions:
    """The sanctions in one seller's shows: mutes and bans in force (soonest to end first, those until
    lifted last) and what no longer holds or never did (warnings, lifted, expired) from the last days."""
    rows = Sanction.objects.filter(seller_id=seller_id).select_related("user", "created_by", "seller")
    liftable = [SanctionKind.MUTE, SanctionKind.BAN]
    active = rows.filter(kind__in=liftable).in_force(now)
    recent = (
        rows.filter(created_at__gte=now - timedelta(days=RECENT_SANCTIONS_DAYS))
        .exclude(pk__in=active.values("pk"))
        .order_by("-created_at", "-id")[:RECENT_SANCTIONS_MAX]
    )
    return SellerSanctions(
        active=list(active.order_by(F("expires_at").asc(nulls_last=True), "-id")), recent=list(recent)
    )


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


def sanction_list_recent_for_user(*, user: "User", limit: int = 10) -> QuerySet[Sanction]:
    return Sanction.objects.filter(user=user).select_related("seller").order_by("-created_at")[:limit]


def report_list_against_user(*, user: "User", limit: int = 10) -> QuerySet[Report]:
    return Report.objects.filter(target_user=user).order_by("-created_at", "-id")[:limit]


def report_list_for_reporter(*, reporter: "User") -> QuerySet[Report]:
    return Report.objects.filter(reporter=reporter).order_by("-created_at", "-id")


def held_message_list_for_moderator(*, actor: "User", status: str = HeldStatus.PENDING) -> QuerySet[HeldMessage]:
    """Held messages in the shows `actor` moderates (all of them for staff moderators), newest first."""
    held = HeldMessage.objects.filter(status=status).select_related("sender")
    if not is_staff_moderator(actor):
        held = held.filter(seller_id__in=moderated_seller_ids(actor=actor))
    return held.order_by("-created_at", "-id")


def held_message_list_recent_for_sender(*, sender_id: int, limit: int = 10) -> QuerySet[HeldMessage]:
    return HeldMessage.objects.filter(sender_id=sender_id).order_by("-created_at", "-id")[:limit]


def report_get_for_reporter(*, reporter: "User", target: Model) -> Report | None:
    """The report `reporter` already made of `target`, if any."""
    content_type = ContentType.objects.get_for_model(type(target))
    return Report.objects.filter(reporter=reporter, content_type=content_type, object_id=target.pk).first()


def verification_request_latest(*, seller: "User") -> VerificationRequest | None:
    """The seller's most recent verification request: the pending one, or the last decision."""
    return VerificationRequest.objects.filter(seller=seller).select_related("reviewer").first()


def ban_in_force(*, user_id: int, seller_id: int, show_id: int | None, now: datetime | None = None) -> Sanction | None:
    """The ban that keeps `user_id` out of this seller's show, if any: everywhere, the seller's shows, or this show."""
    where = Q(scope=SanctionScope.GLOBAL) | Q(scope=SanctionScope.SELLER, seller_id=seller_id)
    if show_id is not None:
        where |= Q(scope=SanctionScope.SHOW, show_id=show_id)
    bans = Sanction.objects.in_force(now or timezone.now()).filter(where, user_id=user_id, kind=SanctionKind.BAN)
    return bans.order_by("created_at").first()
