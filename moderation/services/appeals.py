"""Appeals: a person asks for one of their sanctions to be reviewed, and a moderator who moderates
where it holds grants or denies it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied

from ..models import Appeal, AppealStatus, AuditAction, Sanction, SanctionKind
from .audit import audit_record, moderation_permission_check
from .sanctions import sanction_revoke, sanction_where

if TYPE_CHECKING:
    from tokshop.users.models import User

APPEAL_MAX_LENGTH = 1000


@transaction.atomic
def appeal_create(*, user: User, sanction_id: int, text: str) -> tuple[Appeal, bool]:
    """Ask for a review of one of `user`'s own sanctions; returns the appeal and whether it is new.

    Appealing the same sanction again returns the first appeal unchanged: one appeal per sanction."""
    sanction = Sanction.objects.filter(pk=sanction_id, user=user).first()
    if sanction is None:
        raise NotFound("No such sanction.")
    existing = Appeal.objects.filter(sanction=sanction).first()
    if existing is not None:
        return existing, False
    cleaned = text.strip()
    if not cleaned:
        raise ApplicationError(
            "Say why you think this is wrong.", fields={"text": ["Say why you think this is wrong."]}
        )
    if len(cleaned) > APPEAL_MAX_LENGTH:
        message = f"An appeal is at most {APPEAL_MAX_LENGTH} characters."
        raise ApplicationError(message, fields={"text": [message]})
    if sanction.kind != SanctionKind.WARNING and not sanction.is_in_force(timezone.now()):
        raise ApplicationError("This sanction has already ended.", code="sanction_ended")
    if sanction.revoked_at is not None:
        raise ApplicationError("This warning was already withdrawn.", code="sanction_ended")
    try:
        # The unique constraint decides between two appeals sent at once; the loser returns the winner's.
        with transaction.atomic():
            return Appeal.objects.create(sanction=sanction, user=user, text=cleaned), True
    except IntegrityError:
        return Appeal.objects.get(sanction=sanction), False


@transaction.atomic
def appeal_decide(*, actor: User, appeal_id: int, grant: bool, note: str = "") -> Appeal:
    """Grant (lift the mute or ban, withdraw the warning) or deny an appeal, where the actor
    moderates; audited and told to the person. An appeal is decided once."""
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("sanction__seller", "user")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound("No such appeal.")
    sanction = appeal.sanction
    moderation_permission_check(actor=actor, seller_id=sanction.seller_id)
    if actor.pk == appeal.user_id:
        raise PermissionDenied("Someone else decides your own appeal.", code="own_appeal")
    if appeal.status != AppealStatus.PENDING:
        raise Conflict(f"This appeal was already {appeal.get_status_display().lower()}.", code="already_decided")
    appeal.status = AppealStatus.GRANTED if grant else AppealStatus.DENIED
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.decision_note = note.strip()[:500]
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if grant:
        sanction_revoke(sanction_id=sanction.pk)
    audit_record(
        actor=actor,
        action=AuditAction.APPEAL_GRANT if grant else AuditAction.APPEAL_DENY,
        target_user=appeal.user,
        seller_id=sanction.seller_id,
        show_id=sanction.show_id,
        reason=appeal.decision_note,
        details={"appeal": appeal.pk, "sanction": sanction.pk},
        notify=_decision_notice(appeal, sanction),
    )
    return appeal


def _decision_notice(appeal: Appeal, sanction: Sanction) -> tuple[str, str]:
    noun = sanction.get_kind_display().lower()
    where = sanction_where(sanction)
    note = f" A moderator's note: {appeal.decision_note}" if appeal.decision_note else ""
    if appeal.status == AppealStatus.GRANTED:
        outcome = "withdrawn" if sanction.kind == SanctionKind.WARNING else "lifted"
        return ("Your appeal was granted", f"Your {noun} {where} is {outcome}.{note}")
    return ("Your appeal was denied", f"Your {noun} {where} stands.{note}")
