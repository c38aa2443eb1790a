"""A show's lifecycle: scheduled → live ⇄ paused → ended (restartable for a while), or cancelled,
or error. Every change is made under the show's row lock, stamped, and announced on commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from tokshop.core.errors import Conflict

from .. import events
from ..models import ON_AIR, RESTART_WINDOW, Show, ShowStatus
from ..signals import show_ended, show_went_live
from .room_checks import host_check, show_lock, staff_check

if TYPE_CHECKING:
    from tokshop.users.models import User

RESTART_REFUSAL = (
    f"Only a show that ended less than {int(RESTART_WINDOW.total_seconds() // 3600)} hours ago can go live again."
)


def _transition(
    *,
    actor: User | None,
    show_id: int,
    to: str,
    allowed_from: tuple[str, ...],
    refusal: str,
    check: Callable[..., None] | None,
    stamp: Callable[[Show, datetime], None],
    signal: Signal | None = None,
) -> Show:
    """Make one change under the show's lock; `signal` is sent after commit only when it changed."""
    show = show_lock(show_id)
    if actor is not None and check is not None:
        check(actor=actor, show=show)
    if show.status == to:
        # Repeating a change (a double click, a retried request) is not an error: nothing happens.
        return show
    if show.status not in allowed_from:
        raise Conflict(refusal, code="invalid_status", extra={"status": show.status})
    show.status = to
    stamp(show, timezone.now())
    show.save()
    events.show_status_changed(show)
    if signal is not None:
        transaction.on_commit(lambda: signal.send(sender=Show, show=show))
    return show


@transaction.atomic
def show_go_live(*, actor: User, show_id: int) -> Show:
    """Put a scheduled show on air (host only); followers and those who asked to be reminded hear of it."""

    def stamp(show: Show, now: datetime) -> None:
        show.started_at = now

    return _transition(
        actor=actor,
        show_id=show_id,
        to=ShowStatus.LIVE,
        allowed_from=(ShowStatus.SCHEDULED,),
        refusal="Only a scheduled show can go live.",
        check=host_check,
        stamp=stamp,
        signal=show_went_live,
    )


@transaction.atomic
def show_pause(*, actor: User, show_id: int) -> Show:
    """Hold the show for a moment (host only): the room stays open and says so."""

    def stamp(show: Show, now: datetime) -> None:
        show.paused_at = now

    return _transition(
        actor=actor,
        show_id=show_id,
        to=ShowStatus.PAUSED,
        allowed_from=(ShowStatus.LIVE,),
        refusal="Only a live show can be paused.",
        check=host_check,
        stamp=stamp,
    )


@transaction.atomic
def show_resume(*, actor: User, show_id: int) -> Show:
    """Back on air after a pause (host only)."""

    def stamp(show: Show, now: datetime) -> None:
        show.resumed_at = now

    return _transition(
        actor=actor,
        show_id=show_id,
        to=ShowStatus.LIVE,
        allowed_from=(ShowStatus.PAUSED,),
        refusal="Only a paused show can resume.",
        check=host_check,
        stamp=stamp,
    )


@transaction.atomic
def show_end(*, actor: User | None, show_id: int) -> Show:
    """End the show: its host or moderators, or the system (`actor` None) when its room is gone."""

    def stamp(show: Show, now: datetime) -> None:
        show.ended_at = now

    return _transition(
        actor=actor,
        show_id=show_id,
        to=ShowStatus.ENDED,
        allowed_from=ON_AIR,
        refusal="Only a show on air can end.",
        check=staff_check,
        stamp=stamp,
        signal=show_ended,
    )


@transaction.atomic
def show_cancel(*, actor: User, show_id: int) -> Show:
    """Call off a show that has not started (host only)."""

    def stamp(show: Show, now: datetime) -> None:
        show.cancelled_at = now

    return _transition(
        actor=actor,
        show_id=show_id,
        to=ShowStatus.CANCELLED,
        allowed_from=(ShowStatus.SCHEDULED,),
        refusal="Only a show that has not started can be cancelled.",
        check=host_check,
        stamp=stamp,
    )


@transaction.atomic
def show_fail(*, show_id: int, reason: str) -> Show:
    """Mark a show on air as failed (its video room could not be kept up); the system's call."""

    def stamp(show: Show, now: datetime) -> None:
        show.errored_at = now
        show.error_reason = reason[:200]

    return _transition(
        actor=None,
        show_id=show_id,
        to=ShowStatus.ERROR,
        allowed_from=ON_AIR,
        refusal="Only a show on air can fail.",
        check=None,
        stamp=stamp,
        signal=show_ended,
    )


@transaction.atomic
def show_restart(*, actor: User, show_id: int) -> Show:
    """Put a show that ended back on air, within two hours of its end (host only)."""

    def check(*, actor: User, show: Show) -> None:
        host_check(actor=actor, show=show)
        if show.status == ShowStatus.ENDED and not show.can_restart():
            raise Conflict(RESTART_REFUSAL, code="invalid_status", extra={"status": show.status})

    def stamp(show: Show, now: datetime) -> None:
        show.restarted_at = now
        show.ended_at = None

    return _transition(
        actor=actor,
        show_id=show_id,
        to=ShowStatus.LIVE,
        allowed_from=(ShowStatus.ENDED,),
        refusal=RESTART_REFUSAL,
        check=check,
        stamp=stamp,
        signal=show_went_live,
    )
