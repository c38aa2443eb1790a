"""A show's audience and sales figures: live for its host and moderators, kept after it ends."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import F

from tokshop.core.errors import ApplicationError, NotFound

from ..events import show_staff_event
from ..models import Show, ShowStats
from ..roomstate import room_state
from ..selectors_chat import show_stats_live

# The host's console hears the figures every few seconds while they change; the database keeps a
# copy every minute (a staff socket's tick, and the beat job for shows nobody of the staff watches),
# and a last one when the show ends.
STATS_WINDOW_MS = 5_000
SAVE_WINDOW_MS = 60_000


def _show(show_id: int) -> Show:
    show = Show.objects.filter(pk=show_id).first()
    if show is None:
        raise NotFound("No such show.")
    return show


@transaction.atomic
def show_stats_save(*, show_id: int) -> ShowStats:
    """Keep the show's figures as they are now (orders and revenue are only ever added to)."""
    figures = show_stats_live(show=_show(show_id))
    stats, _ = ShowStats.objects.select_for_update().get_or_create(show_id=show_id)
    stats.peak_viewers = figures["peak"]
    stats.unique_viewers = figures["unique"]
    stats.sessions = figures["sessions"]
    stats.average_watch_seconds = figures["average_watch_seconds"]
    stats.chat_messages = figures["chat_messages"]
    stats.reactions = figures["reactions"]
    stats.reaction_counts = figures["reaction_counts"]
    stats.product_clicks = figures["product_clicks"]
    stats.save()
    return stats


def show_stats_save_on_air() -> int:
    """Keep the figures of every show on air; returns how many were saved."""
    show_ids = list(Show.objects.on_air().values_list("pk", flat=True))
    for show_id in show_ids:
        show_stats_save(show_id=show_id)
    return len(show_ids)


@transaction.atomic
def show_stats_add_order(*, show_id: int, revenue_cents: int) -> None:
    """Count one order placed in the show (a flash sale, an auction won) and its revenue."""
    if not isinstance(revenue_cents, int) or isinstance(revenue_cents, bool) or revenue_cents < 0:
        raise ApplicationError("Revenue is a whole number of cents, not negative.", code="invalid_revenue")
    _show(show_id)
    ShowStats.objects.get_or_create(show_id=show_id)
    ShowStats.objects.filter(show_id=show_id).update(
        orders=F("orders") + 1, revenue_cents=F("revenue_cents") + revenue_cents
    )
    show_staff_event(show_id, "room.stats", {"stats": show_stats_live(show=_show(show_id))})


def show_stats_tick(*, show_id: int) -> dict[str, Any] | None:
    """Called every few seconds by each staff socket of the room: one of them per window sends the
    figures to the staff if they changed, and one per minute keeps them. Returns what was sent."""
    sent = None
    # Claims here simply run out: the next window starts when the claim expires.
    state = room_state()
    if state.claim(show_id, "stats", STATS_WINDOW_MS - 500):
        figures = show_stats_live(show=_show(show_id))
        body = json.dumps(figures, sort_keys=True)
        if state.swap_published(show_id, "stats", body) != body:
            show_staff_event(show_id, "room.stats", {"stats": figures})
            sent = figures
    if state.claim(show_id, "stats-save", SAVE_WINDOW_MS):
        show_stats_save(show_id=show_id)
    return sent
