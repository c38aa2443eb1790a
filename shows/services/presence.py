"""Who is in a show's room: sockets counted while they beat, viewer sessions for analytics, the
typing line, and the coalesced broadcasts of both.

A coalesced figure goes out at most once per window per show, whichever server process sees the
change: the change is written to the room state first, then the process claims the show's window
(SET NX); the one that holds it waits out the window, lets the claim go, reads the figure and
publishes it if it differs from the last one published. A change made after the claim was let go
claims the next window itself, so none is left unpublished.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from tokshop.core.errors import ApplicationError

from ..events import show_event
from ..models import Device, ViewerSession
from ..roomstate import now_ms, room_state

if TYPE_CHECKING:
    from ..selectors_room import RoomViewer

# Clients beat every 30 s; a socket is counted for two and a half beats after its last one, so one
# late beat is forgiven and a socket that went silent is gone after about two missed.
HEARTBEAT_SECONDS = 30
PRESENCE_TTL_MS = 75_000
TYPING_MS = 5_000
COUNT_WINDOW_MS = 1_000
TYPING_WINDOW_MS = 500
# A claim outlives its window so that a process that died holding it only delays the next figure.
CLAIM_SAFETY = 10
AWAY, ONLINE = "away", "online"


class RoomFull(ApplicationError):
    code = "room_full"
    status = 409


def device_of(user_agent: str) -> str:
    agent = user_agent.lower()
    if "ipad" in agent or "tablet" in agent or ("android" in agent and "mobile" not in agent):
        return Device.TABLET
    if "mobi" in agent or "iphone" in agent or "android" in agent:
        return Device.MOBILE
    return Device.DESKTOP


def anonymous_id(seed: str) -> str:
    """A stable id for a visitor who is not signed in (from their session key), never the key itself."""
    return hashlib.blake2b(seed.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=16).hexdigest()


def claim(show_id: int, what: str, window_ms: int) -> bool:
    return room_state().claim(show_id, what, window_ms * CLAIM_SAFETY)


@dataclass
class WatchClock:
    """Seconds a socket spent watching: from joining to leaving, less the time its page was away."""

    online_since: float | None = field(default_factory=time.monotonic)
    watched: float = 0.0

    def set_state(self, state: str) -> None:
        now = time.monotonic()
        if state == AWAY and self.online_since is not None:
            self.watched += now - self.online_since
            self.online_since = None
        elif state == ONLINE and self.online_since is None:
            self.online_since = now

    def seconds(self) -> int:
        running = time.monotonic() - self.online_since if self.online_since is not None else 0.0
        return int(self.watched + running)


@dataclass(frozen=True)
class Entered:
    session_id: int
    count_claimed: bool


def presence_enter(
    *, show_id: int, max_viewers: int | None, viewer: RoomViewer, socket_id: str, visitor: str, user_agent: str
) -> Entered:
    """Count a socket in the room and open its viewer session; RoomFull when the show already has
    `max_viewers` sockets (its host and moderators always enter). `visitor` identifies someone who
    is not signed in (their session key)."""
    viewer_key = f"u{viewer.user_id}" if viewer.user_id is not None else f"a{anonymous_id(visitor)}"
    expires = now_ms() + PRESENCE_TTL_MS
    if not room_state().join(show_id, socket_id, viewer_key, expires, max_viewers, viewer.is_staff_of_room):
        raise RoomFull("This show's room is full.")
    session = ViewerSession.objects.create(
        show_id=show_id,
        user_id=viewer.user_id,
        anonymous_id="" if viewer.user_id is not None else viewer_key[1:],
        device=device_of(user_agent),
    )
    return Entered(session.pk, claim(show_id, "count", COUNT_WINDOW_MS))


def presence_heartbeat(*, show_id: int, socket_id: str) -> bool:
    """The socket is still there; True when the caller should publish the count after the window."""
    room_state().heartbeat(show_id, socket_id, now_ms() + PRESENCE_TTL_MS)
    return claim(show_id, "count", COUNT_WINDOW_MS)


def presence_leave(*, show_id: int, socket_id: str, session_id: int, watch_seconds: int) -> bool:
    """The socket left: stop counting it and close its viewer session."""
    room_state().leave(show_id, socket_id)
    ViewerSession.objects.filter(pk=session_id, left_at__isnull=True).update(
        left_at=timezone.now(), watch_seconds=max(0, watch_seconds)
    )
    return claim(show_id, "count", COUNT_WINDOW_MS)


def viewer_sessions_close(*, show_id: int) -> int:
    """Close the show's viewer sessions still open when it ends (their sockets may stay in the room, or
    their server process may have died without saying goodbye): watched until the end."""
    now = timezone.now()
    sessions = list(ViewerSession.objects.filter(show_id=show_id, left_at__isnull=True))
    for session in sessions:
        session.left_at = now
        session.watch_seconds = int((now - session.joined_at).total_seconds())
    ViewerSession.objects.bulk_update(sessions, ["left_at", "watch_seconds"])
    return len(sessions)


def presence_count_publish(*, show_id: int) -> None:
    """Publish the show's viewer counts if they changed since the last ones published."""
    state = room_state()
    state.release(show_id, "count")
    counts = state.counts(show_id)
    body = json.dumps([counts.current, counts.peak, counts.unique])
    if state.swap_published(show_id, "count", body) != body:
        show_event(show_id, "presence.count", {"current": counts.current, "peak": counts.peak, "unique": counts.unique})


def presence_typing(*, show_id: int, user_id: int, name: str) -> bool:
    """The user is typing for the next five seconds; True when the caller should publish the line."""
    room_state().typing(show_id, f"{user_id}:{name}", now_ms() + TYPING_MS)
    return claim(show_id, "typing", TYPING_WINDOW_MS)


def presence_typing_publish(*, show_id: int) -> int | None:
    """Publish who is typing if it changed; returns in how many ms the line must be looked at again
    (someone stops counting as typing then), None when nobody is typing."""
    state = room_state()
    state.release(show_id, "typing")
    typists, first_expiry = state.typing_names(show_id)
    body = json.dumps(typists)
    if state.swap_published(show_id, "typing", body) != body:
        ids, names = zip(*(typist.split(":", 1) for typist in typists), strict=True) if typists else ((), ())
        show_event(show_id, "presence.typing", {"names": list(names), "user_ids": [int(i) for i in ids]})
    if first_expiry is None:
        return None
    return max(first_expiry - now_ms(), TYPING_WINDOW_MS)
