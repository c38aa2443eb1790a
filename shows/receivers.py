"""What the shows app does when moderation or a show's lifecycle says something happened."""

from typing import Any

from moderation.signals import content_removed, held_message_released

from .models import Show, ShowStatus
from .services import lifecycle
from .services.chat import chat_message_take_down, chat_post_released, chat_system_post
from .services.presence import viewer_sessions_close
from .services.stats import show_stats_save
from .signals import show_ended, show_status_changed

# What the chat says when the show's status changes.
STATUS_LINES = {
    ShowStatus.LIVE: "The show is live.",
    ShowStatus.PAUSED: "The host paused the show for a moment.",
    ShowStatus.ENDED: "The show has ended. Thanks for watching!",
}


def on_held_message_released(*, held_message: Any, **kwargs: Any) -> None:
    chat_post_released(held=held_message)


def on_content_removed(*, kind: str, object_id: int, actor: Any, **kwargs: Any) -> None:
    if kind == "message":
        chat_message_take_down(message_id=object_id, actor=actor)
    elif kind == "show":
        # A show taken down stops being on air; one that has not started is left to its host's page.
        show = Show.objects.filter(pk=object_id).first()
        if show is not None and show.is_on_air:
            lifecycle.show_end(actor=None, show_id=object_id)


def on_show_status_changed(*, show: Any, **kwargs: Any) -> None:
    line = STATUS_LINES.get(show.status)
    if line is not None:
        chat_system_post(show_id=show.pk, text=line)


def on_show_ended(*, show: Any, **kwargs: Any) -> None:
    viewer_sessions_close(show_id=show.pk)
    show_stats_save(show_id=show.pk)


def connect() -> None:
    held_message_released.connect(on_held_message_released, dispatch_uid="shows.held_message_released")
    content_removed.connect(on_content_removed, dispatch_uid="shows.content_removed")
    show_status_changed.connect(on_show_status_changed, dispatch_uid="shows.show_status_changed")
    show_ended.connect(on_show_ended, dispatch_uid="shows.show_ended")
