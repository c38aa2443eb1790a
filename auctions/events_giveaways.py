"""The payloads of giveaways on the live room's stream and in the API; docs/protocol.md lists each
with its fields."""

from typing import Any

from django.urls import reverse

from shows.events import iso

from .models import Giveaway, GiveawayStatus


def giveaway_entrant_count(giveaway: Giveaway) -> int:
    """Entries so far while running; the count recorded at the draw once over."""
    return giveaway.entries.count() if giveaway.is_running else giveaway.entry_count


def giveaway_payload(giveaway: Giveaway) -> dict[str, Any]:
    product = giveaway.product
    winner = giveaway.winner
    return {
        "id": giveaway.pk,
        "show_id": giveaway.show_id,
        "status": giveaway.status,
        "entry": giveaway.entry,
        "product": {
            "id": product.pk,
            "title": product.title,
            "price_cents": product.price_cents,
            "currency": product.currency,
            "url": product.get_absolute_url(),
        },
        "started_at": iso(giveaway.started_at),
        "ends_at": iso(giveaway.ends_at),
        "drawn_at": iso(giveaway.drawn_at),
        "entrants": giveaway_entrant_count(giveaway),
        "winner": {"id": winner.pk, "name": winner.display_name} if winner is not None else None,
        # Published only once drawn: before, nobody may know it.
        "seed": giveaway.seed if giveaway.status == GiveawayStatus.DRAWN else None,
        "rules_url": reverse("giveaways:rules", kwargs={"giveaway_id": giveaway.pk}),
    }


def giveaway_count_payload(giveaway: Giveaway) -> dict[str, Any]:
    return {"giveaway_id": giveaway.pk, "entrants": giveaway_entrant_count(giveaway)}
