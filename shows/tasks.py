"""Thin Celery entry points of the shows app; each calls one service and is a no-op when run twice."""

from typing import TypedDict

from celery import shared_task

from .livekit import VideoServiceError
from .services.flash_sales import flash_sale_end_due, flash_sales_end_due
from .services.follows import schedule_created_notify, show_live_notify, show_scheduled_notify
from .services.polls import poll_close_due, polls_close_due
from .services.schedules import schedules_expand
from .services.stats import show_stats_save_on_air
from .services.video import (
    video_participant_remove,
    video_participants_banned,
    video_room_close,
    video_room_open,
    video_rooms_reconcile,
)


class VideoRetry(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: int
    retry_backoff_max: int
    max_retries: int


# The video service unreachable or refusing for a moment: retried for about five minutes, after
# which the reconcile job (every minute) keeps trying.
VIDEO_RETRY: VideoRetry = {
    "autoretry_for": (VideoServiceError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


@shared_task(name="shows.video_room_open", **VIDEO_RETRY)
def video_room_open_task(show_id: int) -> str | None:
    room = video_room_open(show_id=show_id)
    return room.state if room is not None else None


@shared_task(name="shows.video_room_close", **VIDEO_RETRY)
def video_room_close_task(show_id: int) -> str | None:
    room = video_room_close(show_id=show_id)
    return room.state if room is not None else None


@shared_task(name="shows.video_participant_remove", **VIDEO_RETRY)
def video_participant_remove_task(show_id: int, identity: str) -> bool:
    return video_participant_remove(show_id=show_id, identity=identity)


@shared_task(name="shows.video_participants_ban_apply")
def video_participants_ban_apply_task(user_id: int) -> int:
    banned = video_participants_banned(user_id=user_id)
    for show_id, identity in banned:
        video_participant_remove_task.delay(show_id, identity)
    return len(banned)


@shared_task(name="shows.video_rooms_reconcile")
def video_rooms_reconcile_task() -> dict[str, int]:
    result = video_rooms_reconcile()
    return {
        "rooms_listed": result.rooms_listed,
        "rooms_closed": result.rooms_closed,
        "shows_ended": result.shows_ended,
        "participants_removed": result.participants_removed,
        "errors": len(result.errors),
    }


@shared_task(name="shows.poll_close_due")
def poll_close_due_task(poll_id: int) -> bool:
    return poll_close_due(poll_id=poll_id)


@shared_task(name="shows.polls_close_due")
def polls_close_due_task() -> int:
    return polls_close_due()


@shared_task(name="shows.flash_sale_end_due")
def flash_sale_end_due_task(sale_id: int) -> bool:
    return flash_sale_end_due(sale_id=sale_id)


@shared_task(name="shows.flash_sales_end_due")
def flash_sales_end_due_task() -> int:
    return flash_sales_end_due()


@shared_task(name="shows.stats_save_on_air")
def show_stats_save_on_air_task() -> int:
    return show_stats_save_on_air()


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
