"""Reads of the room's chat, presence and audience figures: the snapshot's part, the history API,
the live stats, and what a reporter can see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Sum
from django.utils import timezone

from moderation.models import HeldMessage, HeldStatus, MessageKind
from tokshop.core.errors import PermissionDenied

from .events_chat import chat_message_payload, held_message_payload
from .models import ChatKind, ChatMessage, LineupItem, Show, ShowStats, ViewerSession, Visibility
from .roomstate import room_state
from .selectors import show_access_check, show_can_moderate
from .services.reactions import REACTIONS

if TYPE_CHECKING:
    from tokshop.users.models import User

    from .selectors_room import RoomViewer

SNAPSHOT_MESSAGES = 50
HISTORY_PAGE_MAX = 100
HELD_QUEUE_MAX = 50


def chat_message_list(*, show_id: int, before: int | None = None, limit: int = SNAPSHOT_MESSAGES) -> list[ChatMessage]:
    """The show's newest chat lines not deleted (older than message `before`), oldest first."""
    messages = ChatMessage.objects.shown().filter(show_id=show_id).select_related("sender", "lineup_item__product")
    if before is not None:
        messages = messages.filter(pk__lt=before)
    return list(reversed(messages.order_by("-id")[:limit]))


def held_message_list_for_show(*, show_id: int) -> list[HeldMessage]:
    """The show's chat messages waiting for a moderator, oldest first (the order to decide them in)."""
    held = HeldMessage.objects.filter(show_id=show_id, kind=MessageKind.CHAT, status=HeldStatus.PENDING)
    return list(held.select_related("sender").order_by("created_at", "id")[:HELD_QUEUE_MAX])


def room_chat_state(*, show: Show, viewer: RoomViewer) -> dict[str, Any]:
    """The chat's part of the room snapshot; the host and moderators also get the held queue and the stats."""
    counts = room_state().counts(show.pk)
    state: dict[str, Any] = {
        "chat": {
            "enabled": show.chat_enabled,
            "messages": [chat_message_payload(m) for m in chat_message_list(show_id=show.pk)],
        },
        "reactions": {"choices": list(REACTIONS), "counts": room_state().reactions(show.pk)},
        "presence": {"current": counts.current, "peak": counts.peak, "unique": counts.unique},
    }
    if viewer.is_staff_of_room:
        state["held"] = [held_message_payload(h) for h in held_message_list_for_show(show_id=show.pk)]
        state["stats"] = show_stats_live(show=show)
    return state


def _average_watch_seconds(show_id: int) -> tuple[int, int]:
    """Viewer sessions and their average watch time, counting sessions still open up to now."""
    sessions = ViewerSession.objects.filter(show_id=show_id)
    closed = sessions.filter(left_at__isnull=False).aggregate(n=Count("id"), seconds=Sum("watch_seconds"))
    now = timezone.now()
    open_seconds = [
        (now - joined).total_seconds()
        for joined in sessions.filter(left_at__isnull=True).values_list("joined_at", flat=True)
    ]
    total = len(open_seconds) + closed["n"]
    if not total:
        return 0, 0
    return total, int(((closed["seconds"] or 0) + sum(open_seconds)) / total)


def show_stats_live(*, show: Show) -> dict[str, Any]:
    """The show's audience and sales so far: viewers from the room state, the rest from the database."""
    counts = room_state().counts(show.pk)
    reactions = room_state().reactions(show.pk)
    sessions, average = _average_watch_seconds(show.pk)
    kept = ShowStats.objects.filter(show_id=show.pk).first()
    # After a restart of Redis the room state starts again from nothing; what was kept stays the floor.
    peak = max(counts.peak, kept.peak_viewers if kept else 0)
    unique = max(counts.unique, kept.unique_viewers if kept else 0)
    return {
        "current": counts.current,
        "peak": peak,
        "unique": unique,
        "sessions": sessions,
        "average_watch_seconds": average,
        "chat_messages": ChatMessage.objects.filter(show_id=show.pk, kind=ChatKind.CHAT).count(),
        "reactions": sum(reactions.values()),
        "reaction_counts": reactions,
        "product_clicks": LineupItem.objects.filter(show_id=show.pk).aggregate(n=Sum("clicks"))["n"] or 0,
        "orders": kept.orders if kept else 0,
        "revenue_cents": kept.revenue_cents if kept else 0,
    }


def show_stats_get(*, user: User | AnonymousUser, show: Show) -> dict[str, Any]:
    """The stats of a show for its host and moderators: live while it is on air, kept after it."""
    if not show_can_moderate(user=user, show=show):
        raise PermissionDenied("Only the host and the show's moderators see its stats.", code="not_moderator")
    kept = ShowStats.objects.filter(show_id=show.pk).first()
    if show.is_on_air or kept is None:
        return show_stats_live(show=show)
    # Over: the figures kept when it ended (the room's fast state is gone two days later).
    return {
        "current": 0,
        "peak": kept.peak_viewers,
        "unique": kept.unique_viewers,
        "sessions": kept.sessions,
        "average_watch_seconds": kept.average_watch_seconds,
        "chat_messages": kept.chat_messages,
        "reactions": kept.reactions,
        "reaction_counts": kept.reaction_counts,
        "product_clicks": kept.product_clicks,
        "orders": kept.orders,
        "revenue_cents": kept.revenue_cents,
    }


def _watched(reporter: User, show: Show) -> bool:
    """Whether `reporter` may see the show: its audience, or, for a private show, someone who was in its room."""
    if show.visibility == Visibility.PRIVATE:
        return show.seller_id == reporter.pk or ViewerSession.objects.filter(show=show, user=reporter).exists()
    try:
        show_access_check(user=reporter, show=show)
    except PermissionDenied:
        return False
    return True


def chat_message_find_for_reporter(reporter: User, pk: int) -> ChatMessage | None:
    message = ChatMessage.objects.shown().select_related("show", "sender").filter(pk=pk).first()
    return message if message is not None and _watched(reporter, message.show) else None


def show_find_for_reporter(reporter: User, pk: int) -> Show | None:
    show = Show.objects.select_related("seller").filter(pk=pk).first()
    return show if show is not None and _watched(reporter, show) else None
