"""Followers and reminder holders hear of shows: the signals are sent after commit, and the telling
runs in a task (many people may follow one seller)."""

from typing import Any

from .models import Show, ShowSchedule
from .signals import schedule_created, show_scheduled, show_went_live


def _show_scheduled(*, show: Show, **kwargs: Any) -> None:
    from .tasks import show_scheduled_notify_task

    show_scheduled_notify_task.delay(show.pk)


def _show_went_live(*, show: Show, **kwargs: Any) -> None:
    from .tasks import show_live_notify_task

    show_live_notify_task.delay(show.pk)


def _schedule_created(*, schedule: ShowSchedule, **kwargs: Any) -> None:
    from .tasks import schedule_created_notify_task

    schedule_created_notify_task.delay(schedule.pk)


def connect() -> None:
    show_scheduled.connect(_show_scheduled, dispatch_uid="shows-followers-scheduled")
    show_went_live.connect(_show_went_live, dispatch_uid="shows-followers-live")
    schedule_created.connect(_schedule_created, dispatch_uid="shows-followers-schedule")
