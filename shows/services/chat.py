"""The room's chat: posting through the message check, held messages, deleting, system and product
lines, and the moderators' warn/mute/ban from the room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from moderation.models import AuditAction, HeldMessage, MessageKind, Sanction, SanctionKind, SanctionScope
from moderation.services.audit import audit_record
from moderation.services.check import Action, Verdict, check_message
from moderation.services.held import message_hold
from moderation.services.sanctions import sanction_impose
from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.realtime.control import user_room_sockets_close

from ..events import show_event, show_staff_event
from ..events_chat import chat_message_payload, held_message_payload
from ..models import ChatKind, ChatMessage, LineupItem, Show, ShowStatus
from ..selectors import show_can_moderate

if TYPE_CHECKING:
    from tokshop.users.models import User

REF_MAX_LENGTH = 64
# A retried frame of a held message finds its held message for this long (clients retry within seconds).
HELD_REF_SECONDS = 600
OVER = (ShowStatus.ENDED, ShowStatus.CANCELLED, ShowStatus.ERROR)
ROOM_ACTIONS = {"warn": SanctionKind.WARNING, "mute": SanctionKind.MUTE, "ban": SanctionKind.BAN}
ROOM_SCOPES = (SanctionScope.SHOW, SanctionScope.SELLER)
# A moderator's mute or ban from the room lasts at most a year; longer ones are set on the moderators' page.
MAX_MINUTES = 365 * 24 * 60


@dataclass(frozen=True)
class ChatPosted:
    """What became of a post: shown (`message`), or held for a moderator (`held`); `note` tells the
    sender what the check changed or why it held it."""

    message: ChatMessage | None = None
    held: HeldMessage | None = None
    note: str = ""


def _show(show_id: int) -> Show:
    show = Show.objects.filter(pk=show_id).first()
    if show is None:
        raise NotFound("No such show.")
    return show


def _with_relations(message_id: int) -> ChatMessage:
    return ChatMessage.objects.select_related("sender", "lineup_item__product").get(pk=message_id)


def _held_ref_key(show_id: int, sender_id: int, ref: str) -> str:
    return f"shows:chat-held-ref:{show_id}:{sender_id}:{ref}"


def _chat_open_check(*, show: Show, sender: User) -> None:
    if show.status in OVER:
        raise Conflict("This show is over: its chat is closed.", code="show_ended")
    if not show.chat_enabled and not show_can_moderate(user=sender, show=show):
        raise Conflict("The host turned the chat off.", code="chat_disabled")


def _text_valid(text: Any) -> str:
    if not isinstance(text, str) or "\x00" in text:
        raise ApplicationError("Write a message first.", code="invalid_text", fields={"text": ["Write a message."]})
    return text


def _ref_valid(ref: str) -> str:
    # The database keeps text without NUL characters; a client id is never meant to hold one.
    if len(ref) > REF_MAX_LENGTH or "\x00" in ref:
        message = f"A ref is at most {REF_MAX_LENGTH} characters, with no NUL."
        raise ApplicationError(message, code="invalid_ref", fields={"ref": [message]})
    return ref


def _publish(message: ChatMessage) -> None:
    show_event(message.show_id, "chat.posted", {"message": chat_message_payload(_with_relations(message.pk))})


def chat_post(*, sender: User, show_id: int, text: Any, ref: str = "") -> ChatPosted:
    """Post a chat line through the message check: shown to everyone, held for a moderator, or
    refused (the check's code, nothing stored). Idempotent on `ref`: a retried frame returns what
    the first one made."""
    text = _text_valid(text)
    ref = _ref_valid(ref)
    show = _show(show_id)
    _chat_open_check(show=show, sender=sender)
    with transaction.atomic():
        outcome = _post(sender=sender, show=show, text=text, ref=ref)
    # Refused after the transaction: what the check recorded on the way (an automatic warning for
    # abuse) is kept.
    if isinstance(outcome, Verdict):
        raise ApplicationError(outcome.message, code=outcome.code)
    return outcome


def _post(*, sender: User, show: Show, text: str, ref: str) -> ChatPosted | Verdict:
    if ref:
        # One post at a time per sender with a ref: a frame retried on a second socket while the
        # first is being checked waits, then finds what the first made, instead of being checked
        # again (and refused as a repeat).
        get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
        existing = ChatMessage.objects.filter(show=show, sender=sender, client_ref=ref).first()
        if existing is not None:
            return ChatPosted(message=_with_relations(existing.pk))
        held_id = cache.get(_held_ref_key(show.pk, sender.pk, ref))
        if held_id is not None:
            held = HeldMessage.objects.select_related("sender").filter(pk=held_id).first()
            if held is not None:
                return ChatPosted(held=held, note=held.verdict_message)
    verdict = check_message(sender=sender, text=text, seller_id=show.seller_id, show_id=show.pk)
    if verdict.action == Action.REJECT:
        return verdict
    if verdict.action == Action.HOLD:
        held = message_hold(sender=sender, seller_id=show.seller_id, show_id=show.pk, verdict=verdict)
        show_staff_event(show.pk, "chat.held", {"held": held_message_payload(held)})
        if ref:
            cache.set(_held_ref_key(show.pk, sender.pk, ref), held.pk, timeout=HELD_REF_SECONDS)
        return ChatPosted(held=held, note=verdict.message)
    message = ChatMessage.objects.create(
        show=show, sender=sender, text=verdict.text, is_host=sender.pk == show.seller_id, client_ref=ref
    )
    _publish(message)
    note = verdict.message if verdict.action == Action.REPLACE else ""
    return ChatPosted(message=_with_relations(message.pk), note=note)


def _hide(message: ChatMessage, actor: User | None) -> None:
    message.deleted_at = timezone.now()
    message.deleted_by = actor
    message.save(update_fields=["deleted_at", "deleted_by"])
    show_event(message.show_id, "chat.deleted", {"id": message.pk})


@transaction.atomic
def chat_delete(*, actor: User, show_id: int, message_id: Any, reason: str = "") -> ChatMessage:
    """Hide a chat line from everyone (the host and the show's moderators); audited. Deleting one
    already deleted changes nothing."""
    show = _show(show_id)
    if not show_can_moderate(user=actor, show=show):
        raise PermissionDenied("Only the host and the show's moderators delete messages.", code="not_moderator")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ApplicationError("Name the message to delete.", code="invalid_id", fields={"id": ["A message id."]})
    message = ChatMessage.objects.select_for_update().filter(pk=message_id, show=show).first()
    if message is None:
        raise NotFound("No such message in this show.")
    if message.is_deleted:
        return message
    _hide(message, actor)
    audit_record(
        actor=actor,
        action=AuditAction.CONTENT_DELETE,
        target_user=message.sender,
        seller_id=show.seller_id,
        show_id=show.pk,
        reason=(reason if isinstance(reason, str) else "").replace("\x00", "").strip()[:500]
        or "Deleted from the show's chat",
        details={"kind": "message", "object_id": message.pk, "text": message.text},
    )
    return message


@transaction.atomic
def chat_message_take_down(*, message_id: int, actor: User | None) -> ChatMessage | None:
    """Hide a reported chat line a moderator took down (moderation already audited it)."""
    message = ChatMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.is_deleted:
        return message
    _hide(message, actor)
    return message


def chat_post_released(*, held: HeldMessage) -> ChatMessage | None:
    """Show a chat message a moderator released in its show, once however often the news arrives;
    None for what is not a chat line of a show (questions are the Q&A's)."""
    if held.kind != MessageKind.CHAT or held.show_id is None:
        return None
    show = Show.objects.filter(pk=held.show_id).first()
    if show is None:
        return None
    try:
        with transaction.atomic():
            message = ChatMessage.objects.create(
                show=show,
                sender_id=held.sender_id,
                text=held.text,
                is_host=held.sender_id == show.seller_id,
                held_message_id=held.pk,
            )
            _publish(message)
            show_staff_event(show.pk, "chat.held_decided", {"id": held.pk, "status": held.status})
    except IntegrityError:
        return ChatMessage.objects.get(held_message_id=held.pk)
    return message


@transaction.atomic
def chat_system_post(*, show_id: int, text: str) -> ChatMessage:
    """A line from Tokshop itself in the show's chat (the show went live, paused, ended)."""
    message = ChatMessage.objects.create(show_id=show_id, kind=ChatKind.SYSTEM, text=text)
    _publish(message)
    return message


@transaction.atomic
def chat_product_highlight(*, show_id: int, item_id: int) -> ChatMessage:
    """A product of the show's lineup highlighted in the chat (the host pinned or showed it)."""
    item = LineupItem.objects.select_related("product").filter(pk=item_id, show_id=show_id).first()
    if item is None:
        raise NotFound("No such product in this show's lineup.")
    message = ChatMessage.objects.create(
        show_id=show_id, kind=ChatKind.PRODUCT, text=item.product.title, lineup_item=item
    )
    _publish(message)
    return message


def _moderation_order(action: Any, scope: Any, minutes: Any, reason: Any) -> tuple[str, str, timedelta | None, str]:
    if not isinstance(action, str) or action not in ROOM_ACTIONS:
        raise ApplicationError(
            "Choose warn, mute or ban.", code="invalid_action", fields={"action": ["warn, mute or ban"]}
        )
    if scope not in ROOM_SCOPES:
        raise ApplicationError(
            "Choose this show or the seller's shows.", code="invalid_scope", fields={"scope": ["show or seller"]}
        )
    duration = None
    if minutes is not None:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
            message = f"A duration is 1 to {MAX_MINUTES} minutes, or none."
            raise ApplicationError(message, code="invalid_minutes", fields={"minutes": [message]})
        duration = timedelta(minutes=minutes)
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500 or "\x00" in reason:
        message = "Say why, in at most 500 characters."
        raise ApplicationError(message, code="invalid_reason", fields={"reason": [message]})
    return ROOM_ACTIONS[action], scope, duration, reason.strip()


@transaction.atomic
def room_moderate(
    *, actor: User, show_id: int, user_id: Any, action: Any, reason: Any, minutes: Any = None, scope: Any = "show"
) -> Sanction:
    """A moderator warns, mutes or bans someone from the room, in this show or in all the seller's
    shows: their sockets here can no longer post once it commits, and a ban closes them."""
    show = Show.objects.select_related("seller").filter(pk=show_id).first()
    if show is None:
        raise NotFound("No such show.")
    if not show_can_moderate(user=actor, show=show):
        raise PermissionDenied("Only the host and the show's moderators do that.", code="not_moderator")
    kind, scope, duration, reason = _moderation_order(action, scope, minutes, reason)
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ApplicationError("Name the person.", code="invalid_user", fields={"user_id": ["A user id."]})
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such person.")
    if user.pk == show.seller_id:
        raise PermissionDenied("The host can't be sanctioned in their own show.", code="host")
    sanction = sanction_impose(
        actor=actor,
        user=user,
        kind=kind,
        reason=reason,
        scope=scope,
        seller=show.seller,
        show_id=show.pk if scope == SanctionScope.SHOW else None,
        duration=duration,
    )
    show_staff_event(
        show.pk,
        "room.moderated",
        {"user_id": user.pk, "name": user.display_name, "action": action, "scope": scope, "sanction_id": sanction.pk},
    )
    if kind == SanctionKind.BAN:
        where = {"show_id": show.pk} if scope == SanctionScope.SHOW else {"seller_id": show.seller_id}
        transaction.on_commit(lambda: user_room_sockets_close(user_id=user.pk, reason="banned", **where), robust=True)
    return sanction
