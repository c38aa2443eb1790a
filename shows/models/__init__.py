"""The shows app's models, one module per part of a show (split: there are many)."""

from .shows import ON_AIR, RESTART_WINDOW, Follow, LineupItem, Show, ShowQuerySet, ShowReminder, ShowStatus, Visibility
from .video import (
    ShowParticipant,
    VideoRoom,
    VideoRoomState,
    VideoWebhookEvent,
    video_room_name,
    video_room_show_id,
)

__all__ = [
    "ON_AIR",
    "RESTART_WINDOW",
    "Follow",
    "LineupItem",
    "Show",
    "ShowParticipant",
    "ShowQuerySet",
    "ShowReminder",
    "ShowStatus",
    "VideoRoom",
    "VideoRoomState",
    "VideoWebhookEvent",
    "Visibility",
    "video_room_name",
    "video_room_show_id",
]
