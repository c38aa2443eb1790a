"""What the giveaway tests share: a live show with a lineup product, a giveaway started through the
service, and entries made through it."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from auctions.models import EntryMethod, Giveaway, GiveawayEntry
from auctions.services.giveaways import giveaway_enter, giveaway_start
from shows.tests.interact_helpers import live_show_with_item


def started(show: Any, item: Any, *, actor: Any = None, entry: str = "room", seconds: int = 60) -> Giveaway:
    return giveaway_start(actor=actor or show.seller, show_id=show.pk, item_id=item.pk, entry=entry, seconds=seconds)


def running_giveaway(**overrides: Any) -> tuple[Any, Any, Giveaway]:
    """A live show, its lineup item (a product with 20 in stock) and a giveaway of it running for a minute."""
    show, item = live_show_with_item()
    return show, item, started(show, item, **overrides)


def enter(
    user: Any, giveaway: Giveaway, *, at: datetime | None = None, method: str = EntryMethod.ROOM
) -> GiveawayEntry:
    return giveaway_enter(
        user=user,
        giveaway_id=giveaway.pk,
        method=method,
        received_at=at or timezone.now(),
        show_id=giveaway.show_id if method == EntryMethod.ROOM else None,
    )
