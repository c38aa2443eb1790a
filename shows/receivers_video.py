"""The video room follows the show and the bans: connected in ShowsConfig.ready()."""

from typing import Any

from django.db import transaction

from moderation.models import Sanction, SanctionKind
from moderation.signals import sanction_imposed

from .livekit import livekit_enabled
from .models import Show
from .signals import show_ended, show_went_live


def video_room_open_on_live(sender: type[Show], show: Show, **kwargs: Any) -> None:
    from .tasks import video_room_open_task

    if livekit_enabled():
        transaction.on_commit(lambda: video_room_open_task.delay(show.pk), robust=True)


def video_room_close_on_end(sender: type[Show], show: Show, **kwargs: Any) -> None:
    from .tasks import video_room_close_task

    if livekit_enabled():
        transaction.on_commit(lambda: video_room_close_task.delay(show.pk), robust=True)


def video_ban_apply(sender: type[Sanction], sanction: Sanction, **kwargs: Any) -> None:
    from .tasks import video_participants_ban_apply_task

    if sanction.kind == SanctionKind.BAN and livekit_enabled():
        user_id = sanction.user_id
        transaction.on_commit(lambda: video_participants_ban_apply_task.delay(user_id), robust=True)


def connect() -> None:
    show_went_live.connect(video_room_open_on_live, dispatch_uid="shows.video_room_open_on_live")
    show_ended.connect(video_room_close_on_end, dispatch_uid="shows.video_room_close_on_end")
    sanction_imposed.connect(video_ban_apply, dispatch_uid="shows.video_ban_apply")
