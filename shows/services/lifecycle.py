"""A show's lifecycle: scheduled → live ⇄ paused → ended (restartable for a while), or cancelled,
or error. Every change is made under the show's row lock, stamped, and announced on commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tokshop.core.errors import Conflict

from .. import events
from ..models import RESTART_WINDOW, Show, ShowStatus
from ..signals import show_ended, show_went_live
from .room_checks import host_check, show_lock, staff_check

if TYPE_CHECKING:
    from tokshop.users.models import User

# Which statuses each change starts from.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    ShowStatus.LIVE: (ShowStatus.SCHEDULED,),
    ShowStatus.PAUSED: (ShowStatus.LIVE,),
    ShowStatus.ENDED: (ShowStatus.LIVE, ShowStatus.PAUSED),
    ShowStatus.CANCELLED: (ShowStatus.SCHEDULED,),
    ShowStatus.ERROR: (ShowStatus.LIVE, ShowStatus.PAUSED),
}

REFUSALS: dict[str, str] = {
    ShowStatus.LIVE: "Only a scheduled show can go live.",
    ShowStatus.PAUSED: "Only a live show can be paused.",
    ShowStatus.ENDED: "Only a show on air can end.",
    ShowStatus.CANCELLED: "Only a show that has not started can be cancelled.",
    ShowStatus.ERROR: "Only a show on air can fail.",
}


def _transition(
    *,
    actor: User | None,
    show_id: int,
    to: str,
    check: Callable[..., None] | None,
    stamp: Callable[[Show, datetime], None],
) -> Show:
    show = show_lock(show_id)
    if actor is not None and check is not None:
        check(actor=actor, show=show)
    if show.status == to:
        # Repeating a change (a double click, a retried request) is not an error: nothing happens.
        return show
    if show.status not in ALLOWED_FROM[to]:
        raise Conflict(REFUSALS[to], code="invalid_status", extra={"status": show.status})
    now = timezone.now()
    show.status = to
    stamp(show, now)
    show.save()
    events.show_status_changed(show)
    return show


@transaction.atomic
def show_go_live(*, actor: User, show_id: int) -> Show:
    """Put a scheduled show on air (host only); followers and those who asked to be reminded hear of it."""

    def stamp(show: Show, now: datetime) -> None:
        show.started_at = now

    show = _transition(actor=actor, show_id=show_id, to=ShowStatus.LIVE, check=host_check, stamp=stamp)
    transaction.on_commit(lambda: show_went_live.send(sender=Show, show=show))
    return show


@transaction.atomic
def show_pause(*, actor: User, show_id: int) -> Show:
    """Hold the show for a moment (host only): the room stays open and says so."""

    def stamp(show: Show, now: datetime) -> None:
        show.paused_at = now

    return _transition(actor=actor, show_id=show_id, to=ShowStatus.PAUSED, check=host_check, stamp=stamp)


@transaction.atomic
def show_resume(*, actor: User, show_id: int) -> Show:
    """Back on air after a pause (host only)."""
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    if show.status == ShowStatus.LIVE:
        return show
    if show.status != ShowStatus.PAUSED:
        raise Conflict("Only a paused show can resume.", code="invalid_status", extra={"status": show.status})
    show.status = ShowStatus.LIVE
    show.resumed_at = timezone.now()
    show.save()
    events.show_status_changed(show)
    return show


@transaction.atomic
def show_end(*, actor: User | None, show_id: int) -> Show:
    """End the show: its host or moderators, or the system (`actor` None) when its room is gone."""

    def stamp(show: Show, now: datetime) -> None:
        show.ended_at = now

    show = _transition(actor=actor, show_id=show_id, to=ShowStatus.ENDED, check=staff_check, stamp=stamp)
    transaction.on_commit(lambda: show_ended.send(sender=Show, show=show))
    return show


@transaction.atomic
def show_cancel(*, actor: User, show_id: int) -> Show:
    """Call off a show that has not started (host only)."""

    def stamp(show: Show, now: datetime) -> None:
        show.cancelled_at = now

    return _transition(actor=actor, show_id=show_id, to=ShowStatus.CANCELLED, check=host_check, stamp=stamp)


@transaction.atomic
def show_fail(*, show_id: int, reason: str) -> Show:
    """Mark a show on air as failed (its video room could not be kept up); the system's call."""

    def stamp(show: Show, now: datetime) -> None:
        show.errored_at = now
        show.error_reason = reason[:200]

    show = _transition(actor=None, show_id=show_id, to=ShowStatus.ERROR, check=None, stamp=stamp)
    transaction.on_commit(lambda: show_ended.send(sender=Show, show=show))
    return show


@transaction.atomic
def show_restart(*, actor: User, show_id: int) -> Show:
    """Put a show that ended back on air, within two hours of its end (host only)."""
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    if show.is_on_air:
        return show
    if not show.can_restart():
        hours = int(RESTART_WINDOW.total_seconds() // 3600)
        raise Conflict(
            f"Only a show that ended less than {hours} hours ago can go live again.",
            code="invalid_status",
            extra={"status": show.status},
        )
    show.status = ShowStatus.LIVE
    show.restarted_at = timezone.now()
    show.ended_at = None
    show.save()
    events.show_status_changed(show)
    transaction.on_commit(lambda: show_went_live.send(sender=Show, show=show))
    return show
