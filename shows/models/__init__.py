"""The shows app's models, one module per part of a show (split: there are many)."""

from .chat import ChatKind, ChatMessage, ChatMessageQuerySet
from .shows import ON_AIR, RESTART_WINDOW, Follow, LineupItem, Show, ShowQuerySet, ShowReminder, ShowStatus, Visibility
from .viewers import Device, ShowStats, ViewerSession

__all__ = [
    "ON_AIR",
    "RESTART_WINDOW",
    "ChatKind",
    "ChatMessage",
    "ChatMessageQuerySet",
    "Device",
    "Follow",
    "LineupItem",
    "Show",
    "ShowQuerySet",
    "ShowReminder",
    "ShowStats",
    "ShowStatus",
    "ViewerSession",
    "Visibility",
]
