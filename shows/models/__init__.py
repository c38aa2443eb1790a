"""The shows app's models, one module per part of a show (split: there are many)."""

from .schedules import WEEKDAY_NAMES, Frequency, ScheduleLineupItem, ShowSchedule
from .shows import ON_AIR, RESTART_WINDOW, Follow, LineupItem, Show, ShowQuerySet, ShowReminder, ShowStatus, Visibility

__all__ = [
    "ON_AIR",
    "RESTART_WINDOW",
    "WEEKDAY_NAMES",
    "Follow",
    "Frequency",
    "LineupItem",
    "ScheduleLineupItem",
    "Show",
    "ShowQuerySet",
    "ShowReminder",
    "ShowSchedule",
    "ShowStatus",
    "Visibility",
]
