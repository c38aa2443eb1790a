"""Sequenced event streams: every event gets the next number of its stream, is kept for catch-up
and is delivered to every server process that has listeners for the stream.

Redis backs them when REDIS_URL is set (one Lua script numbers, stores and publishes an event
atomically); the embedded default keeps them in this process's memory.
"""

import threading
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.db import transaction

from .envelope import addressed, envelope_body, seq_of, with_seq

PUBLISH_SCRIPT = """
local seq = redis.call('INCR', KEYS[1])
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'm', msg)
redis.call('PUBLISH', ARGV[3], msg)
return seq
"""


class RedisBackend:
    def __init__(self, url: str, *, max_connections: int, prefix: str, length: int) -> None:
        self.url = url
        self.max_connections = max_connections
        self.prefix = prefix
        self.length = length
        # A blocking pool waits for a free connection under bursts instead of raising.
        self.sync_client = redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=5),
            decode_responses=True,
        )
        self._script = self.sync_client.register_script(PUBLISH_SCRIPT)

    def channel(self, stream: str) -> str:
        return f"{self.prefix}:ch:{stream}"

    def keys(self, stream: str) -> tuple[str, str]:
        return f"{self.prefix}:seq:{stream}", f"{self.prefix}:log:{stream}"

    def publish(self, stream: str, body: str) -> int:
        return int(self._script(keys=self.keys(stream), args=self.publish_args(stream, body)))

    def publish_args(self, stream: str, body: str) -> list[str | int]:
        """PUBLISH_SCRIPT's arguments (its keys are `keys(stream)`)."""
        return [body, self.length, self.channel(stream)]

    def publish_addressed(self, stream: str, message: str) -> None:
        self.sync_client.publish(self.channel(stream), message)

    async def since(self, client: aioredis.Redis, stream: str, seq: int) -> list[str] | None:
        seq_key, log_key = self.keys(stream)
        last = int(await client.get(seq_key) or 0)
        if seq >= last:
            return [] if seq == last else None
        entries = cast(
            list[tuple[str, dict[str, str]]],
            await client.xrange(log_key, min=f"{seq + 1}-0", max="+", count=self.length + 1),
        )
        return contiguous_after(seq, [fields["m"] for _id, fields in entries])

    async def last_seq(self, client: aioredis.Redis, stream: str) -> int:
        return int(await client.get(self.keys(stream)[0]) or 0)


def contiguous_after(seq: int, frames: list[str]) -> list[str] | None:
    """The frames if they start right after `seq`; None when some were already trimmed away."""
    if not frames or seq_of(frames[0]) != seq + 1:
        return None
    return frames


class MemoryBackend:
    """One process, nothing installed: streams live in memory and reach this process's listeners."""

    def __init__(self, *, length: int) -> None:
        self.length = length
        self._lock = threading.Lock()
        self._seq: dict[str, int] = {}
        self._log: dict[str, deque[str]] = {}
        self.subscribers: list[Callable[[str, str], None]] = []

    def channel(self, stream: str) -> str:
        return stream

    def publish(self, stream: str, body: str) -> int:
        with self._lock:
            seq = self._seq.get(stream, 0) + 1
            self._seq[stream] = seq
            message = with_seq(body, seq)
            self._log.setdefault(stream, deque(maxlen=self.length)).append(message)
            subscribers = list(self.subscribers)
        for deliver in subscribers:
            deliver(stream, message)
        return seq

    def publish_addressed(self, stream: str, message: str) -> None:
        with self._lock:
            subscribers = list(self.subscribers)
        for deliver in subscribers:
            deliver(stream, message)

    def since(self, stream: str, seq: int) -> list[str] | None:
        with self._lock:
            last = self._seq.get(stream, 0)
            log = list(self._log.get(stream, ()))
        if seq >= last:
            return [] if seq == last else None
        return contiguous_after(seq, [m for m in log if seq_of(m) > seq])

    def last_seq(self, stream: str) -> int:
        with self._lock:
            return self._seq.get(stream, 0)


@lru_cache(maxsize=1)
def backend() -> RedisBackend | MemoryBackend:
    config = settings.REALTIME
    if config["REDIS_URL"]:
        return RedisBackend(
            config["REDIS_URL"],
            max_connections=config["MAX_CONNECTIONS"],
            prefix=config["KEY_PREFIX"],
            length=config["STREAM_LENGTH"],
        )
    return MemoryBackend(length=config["STREAM_LENGTH"])


def publish(stream: str, type_: str, payload: dict[str, Any]) -> int:
    """Number, keep and deliver one event now; returns its sequence number."""
    return backend().publish(stream, event_body(type_, payload))


def event_body(type_: str, payload: dict[str, Any]) -> str:
    """An event as published, before the stream numbers it (counted as published)."""
    from analytics.metrics import REALTIME_EVENTS

    REALTIME_EVENTS.labels(type=type_).inc()
    return envelope_body(type_, payload)


def publish_to_user(stream: str, user_id: int, type_: str, payload: dict[str, Any]) -> None:
    """Deliver one event now to the user's sockets following the stream, and to no one else. It is
    not numbered nor kept: a socket that misses it (reconnecting, say) reads the state it
    describes from its snapshot."""
    backend().publish_addressed(stream, addressed_event(user_id, type_, payload))


def addressed_event(user_id: int, type_: str, payload: dict[str, Any]) -> str:
    """The pub/sub message of an event for one user's sockets (counted as published)."""
    from analytics.metrics import REALTIME_EVENTS

    REALTIME_EVENTS.labels(type=type_).inc()
    return addressed(user_id, envelope_body(type_, payload))


def publish_on_commit(stream: str, type_: str, payload: dict[str, Any]) -> None:
    """Publish once the current transaction commits, so no one hears of a change that rolled back.

    A failure to publish is logged, not raised: the database is the truth and the stream a fast
    copy of it, which clients resynchronise from with a snapshot.
    """
    transaction.on_commit(lambda: publish(stream, type_, payload), robust=True)
