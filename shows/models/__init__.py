"""The shows app's models, one module per part of a show (split: there are many)."""

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
from .shows import ON_AIR, RESTART_WINDOW, Follow, LineupItem, Show, ShowQuerySet, ShowReminder, ShowStatus, Visibility

__all__ = [
    "ON_AIR",
    "RESTART_WINDOW",
    "FlashSale",
    "FlashSaleBuyer",
    "FlashSalePurchase",
    "FlashSaleStatus",
    "Follow",
    "LineupItem",
    "Poll",
    "PollOption",
    "PollStatus",
    "PollVote",
    "Question",
    "QuestionStatus",
    "QuestionUpvote",
    "Show",
    "ShowQuerySet",
    "ShowReminder",
    "ShowStatus",
    "Visibility",
]
