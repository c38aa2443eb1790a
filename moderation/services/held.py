"""Held messages: what the message check held waits here until a moderator of the seller's shows
releases it (the live room shows it then) or removes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tokshop.core.errors import ApplicationError, Conflict, NotFound

from ..models import AuditAction, HeldMessage, HeldStatus, MessageKind, Sanction, SanctionScope
from ..signals import held_message_released
from .audit import audit_record, moderation_permission_check
from .check import Action, Verdict
from .reports import SanctionOrder, queue_sanction_impose

if TYPE_CHECKING:
    from tokshop.users.models import User


@transaction.atomic
def message_hold(
    *, sender: User, seller_id: int, verdict: Verdict, show_id: int | None = None, kind: str = MessageKind.CHAT
) -> HeldMessage:
    """Keep a message `check_message` held for the moderators of the seller's shows; nobody sees it yet."""
    if verdict.action != Action.HOLD:
        raise ApplicationError("Only a message the check held waits for a moderator.", code="not_held")
    return HeldMessage.objects.create(
        sender=sender,
        seller_id=seller_id,
        show_id=show_id,
        kind=kind,
        text=verdict.text,
        verdict_code=verdict.code,
        verdict_message=verdict.message,
    )


def _held_lock_pending(*, actor: User, held_id: int) -> HeldMessage:
    held = HeldMessage.objects.select_for_update().filter(pk=held_id).first()
    if held is None:
        raise NotFound("No such held message.")
    moderation_permission_check(actor=actor, seller_id=held.seller_id, show_id=held.show_id)
    if held.status != HeldStatus.PENDING:
        raise Conflict("A moderator already decided on this message.", code="already_decided")
    return held


def _held_close(*, actor: User, held: HeldMessage, status: str) -> None:
    held.status = status
    held.decided_by = actor
    held.decided_at = timezone.now()
    held.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def held_message_release(*, actor: User, held_id: int) -> HeldMessage:
    """Show a held message after all, where the actor moderates; the live room hears of it on commit."""
    held = _held_lock_pending(actor=actor, held_id=held_id)
    _held_close(actor=actor, held=held, status=HeldStatus.RELEASED)
    audit_record(
        actor=actor,
        action=AuditAction.MESSAGE_RELEASE,
        target_user=held.sender,
        seller_id=held.seller_id,
        show_id=held.show_id,
        details={"held_message": held.pk},
        notify=("Your message was approved", f"A moderator approved your {held.get_kind_display().lower()}."),
    )
    transaction.on_commit(lambda: held_message_released.send(sender=HeldMessage, held_message=held))
    return held


@transaction.atomic
def held_message_remove(*, actor: User, held_id: int, reason: str = "") -> HeldMessage:
    """Never show a held message, where the actor moderates; the sender is told why."""
    held = _held_lock_pending(actor=actor, held_id=held_id)
    _held_close(actor=actor, held=held, status=HeldStatus.REMOVED)
    reason = reason.strip() or held.verdict_message
    audit_record(
        actor=actor,
        action=AuditAction.MESSAGE_REMOVE,
        target_user=held.sender,
        seller_id=held.seller_id,
        show_id=held.show_id,
        reason=reason,
        details={"held_message": held.pk},
        notify=(f"Your {held.get_kind_display().lower()} was not shown", f"Reason: {reason}"),
    )
    return held


@transaction.atomic
def held_messages_sanction(*, actor: User, held_ids: list[int], order: SanctionOrder) -> list[Sanction]:
    """Warn, mute or ban the senders of held messages (each sender once per seller) and remove
    their messages still pending. `scope` seller means the seller whose show it was."""
    chosen = list(HeldMessage.objects.select_related("sender", "seller").filter(pk__in=held_ids).order_by("pk"))
    by_person: dict[tuple[int, int | None], list[HeldMessage]] = {}
    for held in chosen:
        where = held.seller_id if order.scope != SanctionScope.GLOBAL else None
        by_person.setdefault((held.sender_id, where), []).append(held)
    sanctions = []
    for messages in by_person.values():
        first = messages[0]
        sanctions.append(queue_sanction_impose(actor=actor, user=first.sender, seller=first.seller, order=order))
        for held in messages:
            if held.status == HeldStatus.PENDING:
                held_message_remove(actor=actor, held_id=held.pk, reason=order.reason)
    return sanctions
