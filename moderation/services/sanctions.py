"""Warnings, mutes and bans: imposing and lifting them, the automatic mute after repeated warnings,
the automatic warning for abusive messages, and the sweep that tells people their mute or ban ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create

from ..abuse_queue import abuse_pop
from ..models import AuditAction, Sanction, SanctionKind, SanctionScope
from ..signals import sanction_imposed
from .audit import STANDING_URL, audit_record, moderation_permission_check
from .check import ABUSE_REASONS, sanctions_forget

if TYPE_CHECKING:
    from tokshop.users.models import User

# Three warnings within a day mute (issue 4). A day spans a long show and the evening around it, so
# someone who keeps going is stopped, while a slip last week no longer counts.
WARNINGS_TO_MUTE = 3
WARNING_WINDOW = timedelta(hours=24)
# Each automatic mute in the last 30 days makes the next one longer; the fourth and later last a week.
AUTOMATIC_MUTE_MEMORY = timedelta(days=30)
AUTOMATIC_MUTE_DURATIONS = [timedelta(minutes=10), timedelta(hours=1), timedelta(hours=24), timedelta(days=7)]
EXPIRY_SWEEP_BATCH = 500


@transaction.atomic
def sanction_create(
    *,
    user: User,
    kind: str,
    reason: str,
    created_by: User | None,
    scope: str = SanctionScope.GLOBAL,
    seller: User | None = None,
    show_id: int | None = None,
    expires_at: datetime | None = None,
    is_automatic: bool = False,
) -> Sanction:
    """Warn, mute or ban `user`; the message check sees it as soon as the transaction commits."""
    sanction = Sanction(
        user=user,
        is_automatic=is_automatic,
        kind=kind,
        reason=reason.strip(),
        created_by=created_by,
        scope=scope,
        seller=seller,
        show_id=show_id,
        expires_at=expires_at,
    )
    sanction.full_clean()
    sanction.save()
    sanctions_forget(user.pk)
    transaction.on_commit(lambda: sanction_imposed.send(sender=Sanction, sanction=sanction))
    return sanction


@transaction.atomic
def sanction_revoke(*, sanction_id: int) -> Sanction:
    """Lift a mute or ban, or withdraw a warning, now; revoking one already revoked changes nothing."""
    sanction = Sanction.objects.select_for_update().get(pk=sanction_id)
    if sanction.revoked_at is None:
        sanction.revoked_at = timezone.now()
        sanction.save(update_fields=["revoked_at"])
        sanctions_forget(sanction.user_id)
    return sanction


_IMPOSED = {
    SanctionKind.WARNING: AuditAction.WARN,
    SanctionKind.MUTE: AuditAction.MUTE,
    SanctionKind.BAN: AuditAction.BAN,
}
_LIFTED = {SanctionKind.MUTE: AuditAction.UNMUTE, SanctionKind.BAN: AuditAction.UNBAN}


def sanction_where(sanction: Sanction) -> str:
    """Where a sanction holds, in words for the person it touches."""
    if sanction.scope == SanctionScope.GLOBAL:
        return "on Tokshop"
    shop = sanction.seller.display_name if sanction.seller else "this seller"
    if sanction.scope == SanctionScope.SELLER:
        return f"in {shop}'s shows"
    return f"in one of {shop}'s shows"


def sanction_until(sanction: Sanction) -> str:
    if sanction.expires_at is None:
        return "until a moderator lifts it"
    # A plain day and time: the locale's DATETIME_FORMAT ends in "a.m.", which reads badly before a full stop.
    return "until " + date_format(timezone.localtime(sanction.expires_at), "j M Y, H:i")


def _sanction_notice(sanction: Sanction) -> tuple[str, str]:
    where = sanction_where(sanction)
    if sanction.kind == SanctionKind.WARNING:
        return (f"You were warned {where}", f"Reason: {sanction.reason}. Repeated warnings lead to a mute.")
    verb = "banned" if sanction.kind == SanctionKind.BAN else "muted"
    return (f"You were {verb} {where}", f"You are {verb} {where} {sanction_until(sanction)}. Reason: {sanction.reason}")


def sanction_imposed_by(sanction: Sanction) -> str:
    """Who imposed a sanction, as its person is told: never which moderator."""
    return "a moderator" if sanction.created_by_id is not None else "Tokshop"


def _sanction_record(
    *,
    actor: User | None,
    user: User,
    kind: str,
    reason: str,
    scope: str,
    seller: User | None,
    show_id: int | None,
    expires_at: datetime | None,
    is_automatic: bool = False,
    details: dict[str, object] | None = None,
) -> Sanction:
    """Store a sanction, write its one audit row and tell the person why and until when."""
    try:
        sanction = sanction_create(
            user=user,
            kind=kind,
            reason=reason,
            created_by=actor,
            scope=scope,
            seller=seller,
            show_id=show_id,
            expires_at=expires_at,
            is_automatic=is_automatic,
        )
    except DjangoValidationError as error:
        raise ApplicationError("This sanction can't be imposed.", fields=error.message_dict) from None
    audit_record(
        actor=actor,
        action=_IMPOSED[SanctionKind(kind)],
        target_user=user,
        seller_id=sanction.seller_id,
        show_id=show_id,
        reason=sanction.reason,
        details={"sanction": sanction.pk, **(details or {})},
        notify=_sanction_notice(sanction),
    )
    return sanction


@transaction.atomic
def sanction_impose(
    *,
    actor: User | None,
    user: User,
    kind: str,
    reason: str,
    scope: str = SanctionScope.GLOBAL,
    seller: User | None = None,
    show_id: int | None = None,
    duration: timedelta | None = None,
) -> Sanction:
    """A moderator warns, mutes or bans `user` (`actor` None: Tokshop itself): only where the actor
    moderates, never themselves; audited, and the person is told why and until when. A warning
    that makes three within the window also mutes (`warnings_escalate`)."""
    if actor is not None:
        where = None if scope == SanctionScope.GLOBAL or seller is None else seller.pk
        in_show = show_id if scope == SanctionScope.SHOW else None
        moderation_permission_check(actor=actor, seller_id=where, show_id=in_show)
        if actor.pk == user.pk:
            raise ApplicationError("You can't sanction yourself.", code="self_sanction")
    if kind == SanctionKind.WARNING and duration is not None:
        raise ApplicationError("A warning has no duration.", fields={"duration": ["A warning has no duration."]})
    if duration is not None and duration <= timedelta(0):
        raise ApplicationError("A duration is positive.", fields={"duration": ["A duration is positive."]})
    sanction = _sanction_record(
        actor=actor,
        user=user,
        kind=kind,
        reason=reason,
        scope=scope,
        seller=seller,
        show_id=show_id,
        expires_at=timezone.now() + duration if duration is not None else None,
    )
    if kind == SanctionKind.WARNING:
        warnings_escalate(warning=sanction)
    return sanction


def sanction_impose_by_ids(
    *,
    actor: User,
    user_id: int,
    kind: str,
    reason: str,
    scope: str,
    seller_id: int | None = None,
    show_id: int | None = None,
    duration_minutes: int | None = None,
) -> Sanction:
    """`sanction_impose` for callers that name the person and the seller by id (the API)."""
    refusals = {
        "seller_id": scope != SanctionScope.GLOBAL and seller_id is None and "Name the seller whose shows this covers.",
        "show_id": scope == SanctionScope.SHOW and show_id is None and "Name the show this covers.",
    }
    if scope == SanctionScope.GLOBAL and seller_id is not None:
        refusals["seller_id"] = "A sanction everywhere names no seller."
    if scope != SanctionScope.SHOW and show_id is not None:
        refusals["show_id"] = "Only a sanction in one show names a show."
    fields = {name: [message] for name, message in refusals.items() if message}
    if fields:
        raise ApplicationError("This sanction can't be imposed.", fields=fields)
    users = get_user_model().objects
    user = users.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such user.")
    seller = None
    if seller_id is not None:
        seller = users.filter(pk=seller_id, is_seller=True).first()
        if seller is None:
            raise NotFound("No such seller.")
    return sanction_impose(
        actor=actor,
        user=user,
        kind=kind,
        reason=reason,
        scope=scope,
        seller=seller,
        show_id=show_id,
        duration=timedelta(minutes=duration_minutes) if duration_minutes is not None else None,
    )


def _counts_in(seller_id: int | None) -> Q:
    """Sanctions that count in a seller's shows (global ones count everywhere), or Tokshop-wide (None)."""
    everywhere = Q(scope=SanctionScope.GLOBAL)
    return everywhere if seller_id is None else everywhere | Q(seller_id=seller_id)


def automatic_mute_duration(*, user: User, now: datetime) -> timedelta:
    """How long the next automatic mute lasts: longer for each one in the last 30 days."""
    earlier = Sanction.objects.filter(
        user=user, kind=SanctionKind.MUTE, is_automatic=True, created_at__gt=now - AUTOMATIC_MUTE_MEMORY
    ).count()
    return AUTOMATIC_MUTE_DURATIONS[min(earlier, len(AUTOMATIC_MUTE_DURATIONS) - 1)]


@transaction.atomic
def warnings_escalate(*, warning: Sanction) -> list[Sanction]:
    """Mute automatically where `warning` makes three within the window; returns the mutes.

    A warning in a seller's shows (or one of them) counts toward a mute in that seller's shows;
    a global warning counts everywhere, and three global ones mute everywhere. Warnings before the
    last automatic mute covering the place were dealt with by it and count no more; withdrawn
    warnings never count."""
    # One person's warnings are counted one at a time, so two at once neither both mute nor miss.
    get_user_model().objects.select_for_update().filter(pk=warning.user_id).first()
    user = warning.user
    now = timezone.now()
    recent = Sanction.objects.filter(
        user=user, kind=SanctionKind.WARNING, revoked_at__isnull=True, created_at__gt=now - WARNING_WINDOW
    )
    automatic = Sanction.objects.filter(user=user, kind=SanctionKind.MUTE, is_automatic=True)
    if warning.scope == SanctionScope.GLOBAL:
        # Tokshop-wide first: a global mute covers every seller's shows too.
        sellers = sorted(set(recent.exclude(seller=None).values_list("seller_id", flat=True)))
        places: list[int | None] = [None, *sellers]
    else:
        places = [warning.seller_id]
    mutes = []
    for seller_id in places:
        last_mute = automatic.filter(_counts_in(seller_id)).aggregate(at=Max("created_at"))["at"]
        counted = recent.filter(_counts_in(seller_id))
        if last_mute is not None:
            counted = counted.filter(created_at__gt=last_mute)
        warning_ids = sorted(counted.values_list("pk", flat=True))
        if len(warning_ids) < WARNINGS_TO_MUTE:
            continue
        hours = int(WARNING_WINDOW.total_seconds() // 3600)
        mutes.append(
            _sanction_record(
                actor=None,
                user=user,
                kind=SanctionKind.MUTE,
                reason=f"{len(warning_ids)} warnings within {hours} hours",
                scope=SanctionScope.GLOBAL if seller_id is None else SanctionScope.SELLER,
                seller=None if seller_id is None else get_user_model().objects.get(pk=seller_id),
                show_id=None,
                expires_at=now + automatic_mute_duration(user=user, now=now),
                is_automatic=True,
                details={"warnings": warning_ids},
            )
        )
        if seller_id is None:
            break  # A mute everywhere covers every seller's shows.
    return mutes


@transaction.atomic
def abuse_warning_record(*, user_id: int, code: str, seller_id: int | None, show_id: int | None) -> Sanction | None:
    """Tokshop warns a sender whose message the check rejected as abuse (`ABUSE_REASONS`): in the
    seller's shows when it was sent in one, everywhere otherwise; repeated abuse mutes.

    Returns None for a code that is no abuse, or a sender or seller no longer there."""
    users = get_user_model().objects
    user = users.filter(pk=user_id, is_active=True).first()
    seller = users.filter(pk=seller_id).first() if seller_id is not None else None
    if code not in ABUSE_REASONS or user is None or (seller_id is not None and seller is None):
        return None
    detail = f" (show {show_id})" if show_id is not None else ""
    return sanction_impose(
        actor=None,
        user=user,
        kind=SanctionKind.WARNING,
        reason=ABUSE_REASONS[code] + detail,
        scope=SanctionScope.GLOBAL if seller is None else SanctionScope.SELLER,
        seller=seller,
    )


def abuse_warnings_record() -> int:
    """Record every automatic warning the message check queued, each in its own transaction;
    returns how many. Safe to run at once in several workers: each report is popped by one."""
    recorded = 0
    while (report := abuse_pop()) is not None:
        abuse_warning_record(
            user_id=report.user_id, code=report.code, seller_id=report.seller_id, show_id=report.show_id
        )
        recorded += 1
    return recorded


@transaction.atomic
def sanction_lift(*, actor: User | None, sanction_id: int, reason: str = "") -> Sanction:
    """Unmute or unban now, where the actor moderates; lifting one already lifted changes nothing."""
    sanction = Sanction.objects.select_related("seller", "user").filter(pk=sanction_id).first()
    if sanction is None:
        raise NotFound("No such sanction.")
    if actor is not None:
        moderation_permission_check(actor=actor, seller_id=sanction.seller_id, show_id=sanction.show_id)
    if sanction.kind not in _LIFTED:
        raise ApplicationError("A warning stays on the record; it has nothing to lift.", code="not_liftable")
    already = sanction.revoked_at is not None
    sanction = sanction_revoke(sanction_id=sanction_id)
    if not already:
        verb = "unbanned" if sanction.kind == SanctionKind.BAN else "unmuted"
        audit_record(
            actor=actor,
            action=_LIFTED[SanctionKind(sanction.kind)],
            target_user=sanction.user,
            seller_id=sanction.seller_id,
            show_id=sanction.show_id,
            reason=reason,
            details={"sanction": sanction.pk},
            notify=(f"You were {verb} {sanction_where(sanction)}", reason or "You can post again."),
        )
    return sanction


@transaction.atomic
def sanctions_expire(*, now: datetime | None = None) -> int:
    """Tell each person whose mute or ban has run out that it ended, and drop their cached
    sanctions; returns how many. Each is told once, however often the sweep runs (the beat job)."""
    now = now or timezone.now()
    ended = list(
        Sanction.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user", "seller")
        .filter(
            kind__in=[SanctionKind.MUTE, SanctionKind.BAN],
            revoked_at__isnull=True,
            expiry_notified_at__isnull=True,
            expires_at__lte=now,
        )
        .order_by("pk")[:EXPIRY_SWEEP_BATCH]
    )
    for sanction in ended:
        sanction.expiry_notified_at = now
        sanction.save(update_fields=["expiry_notified_at"])
        sanctions_forget(sanction.user_id)
        noun = "ban" if sanction.kind == SanctionKind.BAN else "mute"
        notification_create(
            user=sanction.user,
            kind=NotificationKind.MODERATION,
            title=f"Your {noun} {sanction_where(sanction)} has ended",
            body=f"It ran out. Reason it was imposed: {sanction.reason}",
            url=STANDING_URL,
        )
    return len(ended)
