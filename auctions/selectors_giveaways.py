"""What pages, the API and the room read of giveaways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from shows.selectors import show_access_check

from .events_giveaways import giveaway_payload
from .models import Giveaway, GiveawayEntry, GiveawayStatus
from .models.giveaways import winning_position

if TYPE_CHECKING:
    from tokshop.users.models import User


def _giveaways() -> QuerySet[Giveaway]:
    return Giveaway.objects.select_related("product", "winner", "show", "seller__seller_profile")


def giveaway_list_for_show(*, show_id: int) -> QuerySet[Giveaway]:
    """A show's giveaways, newest first (the caller has checked the show may be watched)."""
    return _giveaways().filter(show_id=show_id)


def giveaway_get_for_viewer(*, user: User | AnonymousUser, giveaway_id: int, key: str | None = None) -> Giveaway | None:
    """The giveaway, if `user` may watch its show (the same rule as the show's room)."""
    giveaway = _giveaways().filter(pk=giveaway_id).first()
    if giveaway is None:
        return None
    show_access_check(user=user, show=giveaway.show, key=key)
    return giveaway


def giveaway_entries(*, giveaway: Giveaway) -> list[GiveawayEntry]:
    """Every entry by entry number (its id order): the list the winner is drawn from."""
    return list(GiveawayEntry.objects.filter(giveaway=giveaway).select_related("user").order_by("id"))


def giveaway_has_entered(*, giveaway: Giveaway, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and GiveawayEntry.objects.filter(giveaway=giveaway, user_id=user.pk).exists()


def giveaway_recheck(*, giveaway: Giveaway, entries: list[GiveawayEntry]) -> int | None:
    """The 1-based entry number the published rule gives for a drawn giveaway, recomputed here."""
    if giveaway.status != GiveawayStatus.DRAWN or not entries:
        return None
    return winning_position(giveaway.seed, len(entries)) + 1


def giveaway_room_state(*, show_id: int, user_id: int | None) -> dict[str, Any]:
    """The room snapshot's part: the running giveaway (else the last one drawn), and whether you entered."""
    giveaway = _giveaways().filter(show_id=show_id).order_by("-created_at", "-id").first()
    if giveaway is None:
        return {"giveaway": None}
    payload = giveaway_payload(giveaway)
    payload["you_entered"] = (
        user_id is not None and GiveawayEntry.objects.filter(giveaway=giveaway, user_id=user_id).exists()
    )
    return {"giveaway": payload}
