"""The shows app's models, one module per part of a show (split: there are many)."""

from .chat import ChatKind, ChatMessage, ChatMessageQuerySet
from .interact import (
    FlashSale,
    FlashSaleBuyer,
    FlashSalePurchase,
    FlashSaleStatus,
    Poll,
    PollOption,
    PollStatus,
    PollVote,
    Question,
    QuestionStatus,
    QuestionUpvote,
)
from .schedules import WEEKDAY_NAMES, Frequency, ScheduleLineupItem, ShowSchedule
from .shows import ON_AIR, RESTART_WINDOW, Follow, LineupItem, Show, ShowQuerySet, ShowReminder, ShowStatus, Visibility
from .video import (
    ShowParticipant,
    VideoRoom,
    VideoRoomState,
    VideoWebhookEvent,
    video_room_name,
    video_room_show_id,
)
from .viewers import Device, ShowStats, ViewerSession

__all__ = [
    "ON_AIR",
    "RESTART_WINDOW",
    "WEEKDAY_NAMES",
    "ChatKind",
    "ChatMessage",
    "ChatMessageQuerySet",
    "Device",
    "FlashSale",
    "FlashSaleBuyer",
    "FlashSalePurchase",
    "FlashSaleStatus",
    "Follow",
    "Frequency",
    "LineupItem",
    "Poll",
    "PollOption",
    "PollStatus",
    "PollVote",
    "Question",
    "QuestionStatus",
    "QuestionUpvote",
    "ScheduleLineupItem",
    "Show",
    "ShowParticipant",
    "ShowQuerySet",
    "ShowReminder",
    "ShowSchedule",
    "ShowStats",
    "ShowStatus",
    "VideoRoom",
    "VideoRoomState",
    "VideoWebhookEvent",
    "ViewerSession",
    "Visibility",
    "video_room_name",
    "video_room_show_id",
]
