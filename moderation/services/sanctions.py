"""Warnings, mutes and bans: imposing, editing and lifting them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from tokshop.core.errors import ApplicationError, NotFound

from ..models import AuditAction, Sanction, SanctionKind, SanctionScope
from .audit import audit_record, moderation_permission_check
from .check import sanctions_forget

if TYPE_CHECKING:
    from tokshop.users.models import User


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
) -> Sanction:
    """Warn, mute or ban `user`; the message check sees it as soon as the transaction commits."""
    sanction = Sanction(
        user=user,
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
    return sanction


@transaction.atomic
def sanction_save(*, sanction: Sanction) -> Sanction:
    """Save a sanction edited as a whole (the admin form)."""
    sanction.save()
    sanctions_forget(sanction.user_id)
    return sanction


@transaction.atomic
def sanction_revoke(*, sanction_id: int) -> Sanction:
    """Lift a mute or ban now; lifting one already lifted changes nothing."""
    sanction = Sanction.objects.select_for_update().get(pk=sanction_id)
    if sanction.revoked_at is None:
        sanction.revoked_at = timezone.now()
        sanction.save(update_fields=["revoked_at"])
        sanctions_forget(sanction.user_id)
    return sanction


@transaction.atomic
def sanction_delete(*, sanction: Sanction) -> None:
    user_id = sanction.user_id
    sanction.delete()
    sanctions_forget(user_id)


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
    return "until " + date_format(timezone.localtime(sanction.expires_at), "DATETIME_FORMAT")


def _sanction_notice(sanction: Sanction) -> tuple[str, str]:
    where = sanction_where(sanction)
    if sanction.kind == SanctionKind.WARNING:
        return (f"You were warned {where}", f"Reason: {sanction.reason}. Repeated warnings lead to a mute.")
    verb = "banned" if sanction.kind == SanctionKind.BAN else "muted"
    return (f"You were {verb} {where}", f"You are {verb} {where} {sanction_until(sanction)}. Reason: {sanction.reason}")


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
    moderates, never themselves; audited, and the person is told why and until when."""
    if actor is not None:
        where = None if scope == SanctionScope.GLOBAL or seller is None else seller.pk
        moderation_permission_check(actor=actor, seller_id=where)
        if actor.pk == user.pk:
            raise ApplicationError("You can't sanction yourself.", code="self_sanction")
    if kind == SanctionKind.WARNING and duration is not None:
        raise ApplicationError("A warning has no duration.", fields={"duration": ["A warning has no duration."]})
    try:
        sanction = sanction_create(
            user=user,
            kind=kind,
            reason=reason,
            created_by=actor,
            scope=scope,
            seller=seller,
            show_id=show_id,
            expires_at=timezone.now() + duration if duration is not None else None,
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
        details={"sanction": sanction.pk},
        notify=_sanction_notice(sanction),
    )
    return sanction


@transaction.atomic
def sanction_lift(*, actor: User | None, sanction_id: int, reason: str = "") -> Sanction:
    """Unmute or unban now, where the actor moderates; lifting one already lifted changes nothing."""
    sanction = Sanction.objects.select_related("seller", "user").filter(pk=sanction_id).first()
    if sanction is None:
        raise NotFound("No such sanction.")
    if actor is not None:
        moderation_permission_check(actor=actor, seller_id=sanction.seller_id)
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
