"""The live room's fast state: who is present, who is typing, reaction tallies, and the claims that
let one server process at a time broadcast a coalesced figure.

Redis holds it when REDIS_URL is set, shared by every server process; the embedded default keeps it
in this process's memory (one process serves the whole site there). Every key of a show expires two
days after its last write, so a show nobody ended leaves nothing behind for long.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import redis
from django.conf import settings

from tokshop.realtime.streams import RedisBackend, backend

KEY_TTL_SECONDS = 2 * 24 * 3600


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Counts:
    current: int
    peak: int
    unique: int


class RoomState(Protocol):
    def join(
        self, show_id: int, socket_id: str, viewer_key: str, expires_ms: int, limit: int | None, is_staff: bool
    ) -> bool:
        """Count the socket present until `expires_ms`; False (nothing counted) when `limit` viewers'
        sockets already are. Staff sockets are counted but never refused, nor counted against it."""

    def heartbeat(self, show_id: int, socket_id: str, expires_ms: int) -> None: ...

    def leave(self, show_id: int, socket_id: str) -> None: ...

    def counts(self, show_id: int) -> Counts:
        """Sockets present now (those whose beats stopped are dropped), the peak so far, unique viewers."""

    def typing(self, show_id: int, name: str, expires_ms: int) -> None: ...

    def typing_names(self, show_id: int) -> tuple[list[str], int | None]:
        """The names typing now, and when the first of them stops counting (ms), if any."""

    def reaction_add(self, show_id: int, emoji: str) -> None: ...

    def reactions(self, show_id: int) -> dict[str, int]: ...

    def claim(self, show_id: int, what: str, ms: int) -> bool:
        """Take the right to broadcast `what` for this show; False while another holds it (for `ms` at most)."""

    def release(self, show_id: int, what: str) -> None: ...

    def swap_published(self, show_id: int, what: str, value: str) -> str | None:
        """Remember `value` as the last one broadcast for `what` and return the one before it."""


# KEYS: viewers' sockets, staff sockets (the host and moderators: counted, never refused, and not
# counted against the limit), unique viewers, peak. ARGV: now, socket, viewer, limit (0: none, -1:
# a staff socket), expiry, key TTL.
JOIN_SCRIPT = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local limit = tonumber(ARGV[4])
local sockets = KEYS[1]
if limit < 0 then
  sockets = KEYS[2]
elseif limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit and not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  return 0
end
redis.call('ZADD', sockets, tonumber(ARGV[5]), ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
local current = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if current > tonumber(redis.call('GET', KEYS[4]) or '0') then
  redis.call('SET', KEYS[4], current)
end
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[6])) end
return 1
"""

COUNTS_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[1]))
local current = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
local peak = tonumber(redis.call('GET', KEYS[4]) or '0')
return {current, peak, redis.call('SCARD', KEYS[3])}
"""


class RedisRoomState:
    def __init__(self, store: RedisBackend) -> None:
        # Its own pool: this state is read as text, the streams' client answers bytes.
        self.client = redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                store.url, max_connections=store.max_connections, timeout=5, decode_responses=True
            )
        )
        self.prefix = f"{store.prefix}:room"
        self._join = self.client.register_script(JOIN_SCRIPT)
        self._counts = self.client.register_script(COUNTS_SCRIPT)

    def key(self, show_id: int, name: str) -> str:
        return f"{self.prefix}:{show_id}:{name}"

    def _presence_keys(self, show_id: int) -> list[str]:
        return [
            self.key(show_id, "present"),
            self.key(show_id, "staff"),
            self.key(show_id, "viewers"),
            self.key(show_id, "peak"),
        ]

    def join(
        self, show_id: int, socket_id: str, viewer_key: str, expires_ms: int, limit: int | None, is_staff: bool
    ) -> bool:
        bound = -1 if is_staff else limit or 0
        args: list[str | int] = [now_ms(), socket_id, viewer_key, bound, expires_ms, KEY_TTL_SECONDS]
        return bool(self._join(keys=self._presence_keys(show_id), args=args))

    def heartbeat(self, show_id: int, socket_id: str, expires_ms: int) -> None:
        # Only a socket still counted: one whose beats stopped long enough to be dropped stays out.
        pipe = self.client.pipeline()
        for name in ("present", "staff"):
            pipe.zadd(self.key(show_id, name), {socket_id: expires_ms}, xx=True)
        pipe.execute()

    def leave(self, show_id: int, socket_id: str) -> None:
        pipe = self.client.pipeline()
        for name in ("present", "staff"):
            pipe.zrem(self.key(show_id, name), socket_id)
        pipe.execute()

    def counts(self, show_id: int) -> Counts:
        current, peak, unique = self._counts(keys=self._presence_keys(show_id), args=[now_ms()])
        return Counts(int(current), max(int(peak), int(current)), int(unique))

    def typing(self, show_id: int, name: str, expires_ms: int) -> None:
        key = self.key(show_id, "typing")
        pipe = self.client.pipeline()
        pipe.zadd(key, {name: expires_ms})
        pipe.expire(key, KEY_TTL_SECONDS)
        pipe.execute()

    def typing_names(self, show_id: int) -> tuple[list[str], int | None]:
        key = self.key(show_id, "typing")
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(key, "-inf", now_ms())
        pipe.zrange(key, 0, -1, withscores=True)
        _, rows = pipe.execute()
        names = sorted(name for name, _ in rows)
        return names, int(min(score for _, score in rows)) if rows else None

    def reaction_add(self, show_id: int, emoji: str) -> None:
        key = self.key(show_id, "reactions")
        pipe = self.client.pipeline()
        pipe.hincrby(key, emoji, 1)
        pipe.expire(key, KEY_TTL_SECONDS)
        pipe.execute()

    def reactions(self, show_id: int) -> dict[str, int]:
        tallies: dict[str, str] = self.client.hgetall(self.key(show_id, "reactions"))  # type: ignore[assignment]
        return {emoji: int(n) for emoji, n in tallies.items()}

    def claim(self, show_id: int, what: str, ms: int) -> bool:
        return bool(self.client.set(self.key(show_id, f"claim:{what}"), 1, nx=True, px=ms))

    def release(self, show_id: int, what: str) -> None:
        self.client.delete(self.key(show_id, f"claim:{what}"))

    def swap_published(self, show_id: int, what: str, value: str) -> str | None:
        previous = self.client.set(self.key(show_id, f"last:{what}"), value, get=True, ex=KEY_TTL_SECONDS)
        return str(previous) if previous is not None else None


@dataclass
class _Room:
    present: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    viewers: set[str] = field(default_factory=set)
    peak: int = 0
    typing: dict[str, int] = field(default_factory=dict)
    reactions: dict[str, int] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)

    def purge(self, now: int) -> None:
        for sockets in (self.present, self.staff):
            for socket_id in [s for s, expires in sockets.items() if expires <= now]:
                del sockets[socket_id]

    @property
    def current(self) -> int:
        return len(self.present) + len(self.staff)


class MemoryRoomState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[int, _Room] = {}

    def _room(self, show_id: int) -> _Room:
        return self._rooms.setdefault(show_id, _Room())

    def join(
        self, show_id: int, socket_id: str, viewer_key: str, expires_ms: int, limit: int | None, is_staff: bool
    ) -> bool:
        with self._lock:
            room = self._room(show_id)
            room.purge(now_ms())
            if not is_staff and limit and len(room.present) >= limit and socket_id not in room.present:
                return False
            (room.staff if is_staff else room.present)[socket_id] = expires_ms
            room.viewers.add(viewer_key)
            room.peak = max(room.peak, room.current)
            return True

    def heartbeat(self, show_id: int, socket_id: str, expires_ms: int) -> None:
        with self._lock:
            room = self._room(show_id)
            for sockets in (room.present, room.staff):
                if socket_id in sockets:
                    sockets[socket_id] = expires_ms

    def leave(self, show_id: int, socket_id: str) -> None:
        with self._lock:
            room = self._room(show_id)
            room.present.pop(socket_id, None)
            room.staff.pop(socket_id, None)

    def counts(self, show_id: int) -> Counts:
        with self._lock:
            room = self._room(show_id)
            room.purge(now_ms())
            return Counts(room.current, max(room.peak, room.current), len(room.viewers))

    def typing(self, show_id: int, name: str, expires_ms: int) -> None:
        with self._lock:
            self._room(show_id).typing[name] = expires_ms

    def typing_names(self, show_id: int) -> tuple[list[str], int | None]:
        now = now_ms()
        with self._lock:
            room = self._room(show_id)
            room.typing = {name: until for name, until in room.typing.items() if until > now}
            return sorted(room.typing), min(room.typing.values(), default=None)

    def reaction_add(self, show_id: int, emoji: str) -> None:
        with self._lock:
            reactions = self._room(show_id).reactions
            reactions[emoji] = reactions.get(emoji, 0) + 1

    def reactions(self, show_id: int) -> dict[str, int]:
        with self._lock:
            return dict(self._room(show_id).reactions)

    def claim(self, show_id: int, what: str, ms: int) -> bool:
        now = now_ms()
        with self._lock:
            claims = self._room(show_id).claims
            if claims.get(what, 0) > now:
                return False
            claims[what] = now + ms
            return True

    def release(self, show_id: int, what: str) -> None:
        with self._lock:
            self._room(show_id).claims.pop(what, None)

    def swap_published(self, show_id: int, what: str, value: str) -> str | None:
        with self._lock:
            published = self._room(show_id).published
            previous = published.get(what)
            published[what] = value
            return previous


@lru_cache(maxsize=1)
def room_state() -> RoomState:
    """Redis when the site has it (every process sees the same room), this process's memory otherwise."""
    store = backend()
    if isinstance(store, RedisBackend) and not settings.EMBEDDED:
        return RedisRoomState(store)
    return MemoryRoomState()
