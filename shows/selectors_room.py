"""What the live room reads: who is entering, and the snapshot a socket starts from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser

from auctions.selectors_giveaways import giveaway_room_state
from moderation.selectors import ban_in_force
from tokshop.core.errors import PermissionDenied

from .events import lineup_payload, show_state_payload
from .models import Show
from .selectors import show_can_moderate, show_get, show_get_for_viewer, show_is_host
from .selectors_chat import room_chat_state
from .selectors_interact import interact_snapshot
from .selectors_video import video_state

if TYPE_CHECKING:
    from tokshop.users.models import User


@dataclass(frozen=True, slots=True)
class RoomShow:
    """The show as a socket keeps it: a big room holds thousands of sockets, and what else a show
    says (its status, its settings) changes while they are open, so services read it fresh."""

    pk: int
    seller_id: int
    max_viewers: int | None

    @classmethod
    def of(cls, show: Show) -> RoomShow:
        return cls(pk=show.pk, seller_id=show.seller_id, max_viewers=show.max_viewers)


@dataclass(frozen=True)
class RoomViewer:
    """Who a socket belongs to, decided once when it connects."""

    user_id: int | None
    display_name: str
    is_host: bool
    can_moderate: bool

    @property
    def is_staff_of_room(self) -> bool:
        return self.is_host or self.can_moderate


def room_enter(*, user: User | AnonymousUser, show_id: int, key: str | None = None) -> tuple[Show, RoomViewer]:
    """The show and who `user` is in its room; NotFound or PermissionDenied (banned, not invited…)."""
    show = show_get_for_viewer(user=user, show_id=show_id, key=key)
    if user.is_authenticated:
        ban = ban_in_force(user_id=user.pk, seller_id=show.seller_id, show_id=show.pk)
        if ban is not None and not show_is_host(user=user, show=show):
            raise PermissionDenied("You are banned from this seller's shows.", code="banned")
    viewer = RoomViewer(
        user_id=user.pk if user.is_authenticated else None,
        display_name=user.display_name if user.is_authenticated else "",
        is_host=show_is_host(user=user, show=show),
        can_moderate=show_can_moderate(user=user, show=show),
    )
    return show, viewer


def room_snapshot(*, show_id: int, viewer: RoomViewer) -> dict[str, Any]:
    """The state of the room a socket starts from; each part of the room adds its own."""
    # Auctions sit above shows; the room is where the two meet.
    from auctions.selectors import auction_snapshot

    show = show_get(show_id=show_id)
    return {
        "show": show_state_payload(show),
        "lineup": lineup_payload(show),
        "you": {
            "user_id": viewer.user_id,
            "is_host": viewer.is_host,
            "can_moderate": viewer.can_moderate,
        },
        "video": video_state(show_id=show.pk),
        **room_chat_state(show=show, viewer=viewer),
        **interact_snapshot(show=show, viewer=viewer),
        **auction_snapshot(show_id=show.pk, viewer_id=viewer.user_id),
        **giveaway_room_state(show_id=show.pk, user_id=viewer.user_id),
    }
