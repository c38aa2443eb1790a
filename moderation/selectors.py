from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import ModerationPattern, ModerationWord, SlowMode, WordKind

if TYPE_CHECKING:
    from tokshop.users.models import User


def mute_word_list_for_seller(*, seller: "User") -> QuerySet[ModerationWord]:
    return ModerationWord.objects.filter(seller=seller, kind=WordKind.BLOCKED).order_by("word")


def pattern_list_for_seller(*, seller: "User") -> QuerySet[ModerationPattern]:
    return ModerationPattern.objects.filter(seller=seller).order_by("id")


def slow_mode_list_for_seller(*, seller: "User") -> QuerySet[SlowMode]:
    return SlowMode.objects.filter(seller=seller).order_by("show_id")
