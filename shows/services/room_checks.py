"""Who may act in a show and its room, and when: the checks the lifecycle, polls, questions, pins and
flash sales share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound, PermissionDenied

from ..models import Show
from ..selectors import show_can_moderate

if TYPE_CHECKING:
    from tokshop.users.models import User


def show_lock(show_id: int) -> Show:
    show = Show.objects.select_for_update().filter(pk=show_id).first()
    if show is None:
        raise NotFound("No such show.")
    return show


def host_check(*, actor: User, show: Show) -> None:
    if actor.pk != show.seller_id:
        raise PermissionDenied("Only the show's host can do that.", code="not_host")


def staff_check(*, actor: User, show: Show) -> None:
    if not show_can_moderate(user=actor, show=show):
        raise PermissionDenied("Only the host and the show's moderators can do that.", code="not_host")


def on_air_check(show: Show) -> None:
    if not show.is_on_air:
        raise Conflict("The show is not on air.", code="not_on_air", extra={"status": show.status})


def int_field(name: str, value: Any, *, low: int, high: int, message: str) -> int:
    """`value` as a whole number from `low` to `high`, or the field error `message`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApplicationError(INVALID_FIELDS, fields={name: [message]})
    return value


def id_field(name: str, value: Any) -> int:
    return int_field(name, value, low=1, high=2**63 - 1, message="Send the id as a number.")
