"""The shows app's Celery entry points: thin, by id, each a no-op when run twice."""

from celery import shared_task

from .services.follows import schedule_created_notify, show_live_notify, show_scheduled_notify
from .services.schedules import schedules_expand


@shared_task(name="shows.schedules_expand")
def schedules_expand_task() -> int:
    return schedules_expand()


@shared_task(name="shows.show_scheduled_notify")
def show_scheduled_notify_task(show_id: int) -> int:
    return show_scheduled_notify(show_id=show_id)


@shared_task(name="shows.show_live_notify")
def show_live_notify_task(show_id: int) -> int:
    return show_live_notify(show_id=show_id)


@shared_task(name="shows.schedule_created_notify")
def schedule_created_notify_task(schedule_id: int) -> int:
    return schedule_created_notify(schedule_id=schedule_id)
