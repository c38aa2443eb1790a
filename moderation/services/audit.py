"""The audit log of moderator actions, the notice each action sends to the person it touches, and
the check that an actor may moderate where they act."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from tokshop.core.errors import PermissionDenied
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create

from ..models import ModerationAction
from ..selectors import can_moderate

if TYPE_CHECKING:
    from tokshop.users.models import User

# Where a person reads their sanctions, their notices and the appeals they made.
STANDING_URL = "/account/moderation/"


def moderation_permission_check(*, actor: User, seller_id: int | None, show_id: int | None = None) -> None:
    """Refuse an actor who does not moderate the seller's shows (or, for None, Tokshop as a whole);
    with `show_id`, a moderator appointed for that one show passes too."""
    if not can_moderate(actor=actor, seller_id=seller_id, show_id=show_id):
        where = "in this seller's shows" if seller_id is not None else "on Tokshop as a whole"
        raise PermissionDenied(f"You don't moderate {where}.", code="not_moderator")


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    action: str,
    target_user: User | None = None,
    seller_id: int | None = None,
    show_id: int | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    notify: tuple[str, str] | None = None,
) -> ModerationAction:
    """Write the audit row of one moderator action (None: Tokshop acted by itself) and, when
    `notify` gives a title and body, tell the person it touched."""
    entry = ModerationAction.objects.create(
        actor=actor,
        action=action,
        target_user=target_user,
        seller_id=seller_id,
        show_id=show_id,
        reason=reason[:500],
        details=details or {},
    )
    if notify is not None and target_user is not None:
        title, body = notify
        notification_create(
            user=target_user, kind=NotificationKind.MODERATION, title=title, body=body, url=STANDING_URL
        )
    return entry
