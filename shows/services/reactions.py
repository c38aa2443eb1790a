"""Reactions: viewers tap one of a few emoji; the room sees running tallies a few times a second,
whatever the rate of taps (coalesced as presence counts are: see services/presence.py)."""

from __future__ import annotations

import json
from typing import Any

from tokshop.core.errors import ApplicationError

from ..events import show_event
from ..roomstate import room_state
from .presence import claim

# The fixed set, by name: clients draw each one (names survive every keyboard and font).
REACTIONS = ("heart", "fire", "laugh", "clap", "wow", "money")
TALLY_WINDOW_MS = 250


def reaction_send(*, show_id: int, emoji: Any) -> bool:
    """Count one reaction; True when the caller should publish the tally after the window."""
    if emoji not in REACTIONS:
        raise ApplicationError(
            f"Choose one of: {', '.join(REACTIONS)}.", code="invalid_emoji", fields={"emoji": list(REACTIONS)}
        )
    room_state().reaction_add(show_id, emoji)
    return claim(show_id, "reactions", TALLY_WINDOW_MS)


def reaction_tally_publish(*, show_id: int) -> None:
    """Publish the show's reaction totals and what each gained since the last tally, if anything did."""
    state = room_state()
    state.release(show_id, "reactions")
    counts = state.reactions(show_id)
    body = json.dumps(counts, sort_keys=True)
    previous = state.swap_published(show_id, "reactions", body)
    if previous == body:
        return
    before: dict[str, int] = json.loads(previous) if previous else {}
    delta = {emoji: n - before.get(emoji, 0) for emoji, n in counts.items() if n != before.get(emoji, 0)}
    show_event(show_id, "reaction.tallied", {"counts": counts, "delta": delta})
