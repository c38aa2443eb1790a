"""Warnings, mutes and bans: imposing, editing and lifting them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ..models import Sanction, SanctionScope
from .check import sanctions_forget

if TYPE_CHECKING:
    from tokshop.users.models import User


@transaction.atomic
def sanction_create(
    *,
    user: User,
    kind: str,
    reason: str,
    created_by: User | None,
    scope: str = SanctionScope.GLOBAL,
    seller: User | None = None,
    show_id: int | None = None,
    expires_at: datetime | None = None,
) -> Sanction:
    """Warn, mute or ban `user`; the message check sees it as soon as the transaction commits."""
    sanction = Sanction(
        user=user,
        kind=kind,
        reason=reason.strip(),
        created_by=created_by,
        scope=scope,
        seller=seller,
        show_id=show_id,
        expires_at=expires_at,
    )
    sanction.full_clean()
    sanction.save()
    sanctions_forget(user.pk)
    return sanction


@transaction.atomic
def sanction_save(*, sanction: Sanction) -> Sanction:
    """Save a sanction edited as a whole (the admin form)."""
    sanction.save()
    sanctions_forget(sanction.user_id)
    return sanction


@transaction.atomic
def sanction_revoke(*, sanction_id: int) -> Sanction:
    """Lift a mute or ban now; lifting one already lifted changes nothing."""
    sanction = Sanction.objects.select_for_update().get(pk=sanction_id)
    if sanction.revoked_at is None:
        sanction.revoked_at = timezone.now()
        sanction.save(update_fields=["revoked_at"])
        sanctions_forget(sanction.user_id)
    return sanction


@transaction.atomic
def sanction_delete(*, sanction: Sanction) -> None:
    user_id = sanction.user_id
    sanction.delete()
    sanctions_forget(user_id)
