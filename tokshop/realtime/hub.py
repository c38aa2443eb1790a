"""The per-process fan-out: one subscription per stream per server process, one local send loop.

Channels' `group_send` costs grow with the square of a group's local members and stop delivering
to a big show in time (see docs/decisions/0002-realtime-fan-out.md). Instead each process
subscribes once to a stream that has local listeners and hands every event, already serialised,
to each of them in turn, a slice at a time: a frame to a big room is a few thousand socket writes,
and the process reads its sockets (a bid, say) between slices instead of after them all.
"""

import abc
import asyncio
import contextlib
import logging
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tokshop.core.websocket import text_frame

from .envelope import ADDRESSED, addressee, seq_of
from .streams import PUBLISH_SCRIPT, MemoryBackend, RedisBackend, addressed_event, backend, event_body

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Listeners written to between two looks at the process's sockets: about 2 ms of writes.
SLICE = 100
# A publisher waiting for its event to be written gives up after this (a lost subscription, say).
WRITTEN_WAIT = 1.0


@dataclass(frozen=True)
class Delivery:
    """One event of a stream, in the forms a listener may send it: each made once per process,
    the first time a listener asks for it, and shared by every listener."""

    text: str
    seq: int

    @cached_property
    def message(self) -> dict[str, str]:
        """As an ASGI `websocket.send`."""
        return {"type": "websocket.send", "text": self.text}

    @cached_property
    def wire(self) -> bytes:
        """As the WebSocket frame on the wire (tokshop.core.websocket)."""
        return text_frame(self.text)


class Listener(Protocol):
    """What the hub calls. Neither call may wait: the hub serves every listener from one loop."""

    def deliver(self, delivery: Delivery) -> None:
        """Called with each event of a stream the listener subscribed to, in order."""

    def deliver_addressed(self, text: str) -> None:
        """Called with an event of the stream for the listener's user alone (unnumbered)."""

    def resync(self) -> None:
        """Called when events may have been missed (the subscription was re-established)."""


class Hub(abc.ABC):
    def __init__(self) -> None:
        self.listeners: dict[str, set[Listener]] = defaultdict(set)
        # Per stream, its listeners by user, for events addressed to one user's sockets.
        self._by_user: dict[str, dict[int, set[Listener]]] = defaultdict(lambda: defaultdict(set))
        self._user_of: dict[tuple[str, Listener], int] = {}
        self._reader: asyncio.Task[None] | None = None
        # Per stream: the last event written to every listener, and who waits for a later one.
        self._written: dict[str, int] = {}
        self._waiting: dict[str, list[tuple[int, asyncio.Future[None]]]] = defaultdict(list)

    async def subscribe(self, stream: str, listener: Listener, *, user_id: int | None = None) -> None:
        """Deliver the stream's events to `listener`, and those addressed to `user_id`, if given."""
        first = not self.listeners[stream]
        self.listeners[stream].add(listener)
        if user_id is not None:
            self._by_user[stream][user_id].add(listener)
            self._user_of[(stream, listener)] = user_id
        if first:
            await self._subscribe_stream(stream)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._run(), name="realtime-hub")

    async def unsubscribe(self, stream: str, listener: Listener) -> None:
        listeners = self.listeners.get(stream)
        if listeners is None:
            return
        listeners.discard(listener)
        user_id = self._user_of.pop((stream, listener), None)
        if user_id is not None:
            by_user = self._by_user[stream]
            by_user[user_id].discard(listener)
            if not by_user[user_id]:
                del by_user[user_id]
        if not listeners:
            del self.listeners[stream]
            self._by_user.pop(stream, None)
            self._written_up_to(stream, None)
            await self._unsubscribe_stream(stream)

    async def written(self, stream: str, seq: int) -> None:
        """Wait until event `seq` of `stream` has been written to this process's listeners (at once
        if it has none), for WRITTEN_WAIT at most: how a publisher keeps to the pace of the fan-out."""
        if stream not in self.listeners or self._written.get(stream, 0) >= seq:
            return
        done = asyncio.get_running_loop().create_future()
        self._waiting[stream].append((seq, done))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done, WRITTEN_WAIT)

    def _written_up_to(self, stream: str, seq: int | None) -> None:
        """Record `seq` as written (None: the stream has no listeners left) and wake its waiters."""
        if seq is None:
            self._written.pop(stream, None)
        else:
            self._written[stream] = seq
        still = []
        for wanted, done in self._waiting.pop(stream, ()):
            if seq is not None and wanted > seq and not done.done():
                still.append((wanted, done))
            elif not done.done():
                done.set_result(None)
        if still:
            self._waiting[stream] = still

    async def publish(self, stream: str, type_: str, payload: dict[str, Any]) -> int:
        """`streams.publish` from the event loop, without a thread's hop; returns the event's number."""
        return await self._publish(stream, event_body(type_, payload))

    async def publish_to_user(self, stream: str, user_id: int, type_: str, payload: dict[str, Any]) -> None:
        """`streams.publish_to_user` from the event loop, without a thread's hop."""
        await self._publish_addressed(stream, addressed_event(user_id, type_, payload))

    async def _deliver(self, stream: str, frame: str) -> None:
        if frame.startswith(ADDRESSED):
            user_id, text = addressee(frame)
            for listener in list(self._by_user.get(stream, {}).get(user_id, ())):
                if not self._handed(listener.deliver_addressed, text):
                    await self.unsubscribe(stream, listener)
            return
        delivery = Delivery(frame, seq_of(frame))
        listeners = list(self.listeners.get(stream, ()))
        for start in range(0, len(listeners), SLICE):
            if start:
                await asyncio.sleep(0)
            for broken in self._deliver_slice(stream, delivery, listeners[start : start + SLICE]):
                await self.unsubscribe(stream, broken)
        if stream in self.listeners:
            self._written_up_to(stream, delivery.seq)

    def _deliver_slice(self, stream: str, delivery: Delivery, listeners: list[Listener]) -> list[Listener]:
        """Deliver to each listener still on the stream (sockets close while earlier slices are
        written); the listeners that failed."""
        current = self.listeners.get(stream, ())
        return [
            listener for listener in listeners if listener in current and not self._handed(listener.deliver, delivery)
        ]

    @staticmethod
    def _handed(deliver: Callable[[T], None], item: T) -> bool:
        try:
            deliver(item)
        except Exception:
            # One broken socket must not stop delivery to every other viewer of the stream, and
            # a socket that cannot be written to is gone even if it never said goodbye.
            logger.warning("realtime delivery failed; dropping the listener", exc_info=True)
            return False
        return True

    def _resync_all(self) -> None:
        for listeners in list(self.listeners.values()):
            for listener in list(listeners):
                try:
                    listener.resync()
                except Exception:
                    logger.exception("realtime resync failed")

    @abc.abstractmethod
    async def since(self, stream: str, seq: int) -> list[str] | None:
        """The stream's frames after `seq`, or None when they are no longer all kept."""

    @abc.abstractmethod
    async def last_seq(self, stream: str) -> int:
        """The sequence number of the stream's latest event (0 before any)."""

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self.listeners.clear()
        self._by_user.clear()
        self._user_of.clear()

    @abc.abstractmethod
    async def _publish(self, stream: str, body: str) -> int: ...

    @abc.abstractmethod
    async def _publish_addressed(self, stream: str, message: str) -> None: ...

    @abc.abstractmethod
    async def _subscribe_stream(self, stream: str) -> None: ...

    @abc.abstractmethod
    async def _unsubscribe_stream(self, stream: str) -> None: ...

    @abc.abstractmethod
    async def _run(self) -> None: ...


class RedisHub(Hub):
    RECONNECT_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)

    def __init__(self, backend: RedisBackend) -> None:
        super().__init__()
        self.backend = backend
        # from_pool hands the pool to the client, so closing the client closes its connections.
        self._client = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                backend.url, max_connections=backend.max_connections, timeout=5, decode_responses=True
            )
        )
        self._pubsub = self._client.pubsub()
        self._by_channel: dict[str, str] = {}
        self._publish_script = self._client.register_script(PUBLISH_SCRIPT)

    async def since(self, stream: str, seq: int) -> list[str] | None:
        return await self.backend.since(self._client, stream, seq)

    async def last_seq(self, stream: str) -> int:
        return await self.backend.last_seq(self._client, stream)

    async def close(self) -> None:
        await super().close()
        self._by_channel.clear()
        await self._pubsub.aclose()
        await self._client.aclose()

    async def _publish(self, stream: str, body: str) -> int:
        keys = self.backend.keys(stream)
        return int(await self._publish_script(keys=keys, args=self.backend.publish_args(stream, body)))

    async def _publish_addressed(self, stream: str, message: str) -> None:
        await self._client.publish(self.backend.channel(stream), message)

    async def _subscribe_stream(self, stream: str) -> None:
        channel = self.backend.channel(stream)
        self._by_channel[channel] = stream
        await self._pubsub.subscribe(channel)

    async def _unsubscribe_stream(self, stream: str) -> None:
        channel = self.backend.channel(stream)
        self._by_channel.pop(channel, None)
        # If Redis is unreachable, the reconnect path subscribes only to the streams still listened to.
        with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
            await self._pubsub.unsubscribe(channel)

    async def _run(self) -> None:
        while self.listeners or self._by_channel:
            if self._pubsub.connection is None:
                # Listeners joining a stream at once (sockets reconnecting to a restarted server)
                # start the reader while the first one's subscription is still being made.
                await asyncio.sleep(0.01)
                continue
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisConnectionError, RedisTimeoutError, OSError):
                logger.warning("realtime subscription lost; reconnecting")
                await self._reconnect()
                continue
            if message is not None and message["type"] == "message":
                stream = self._by_channel.get(message["channel"])
                if stream is not None:
                    await self._deliver(stream, message["data"])

    async def _reconnect(self) -> None:
        attempt = 0
        while True:
            await asyncio.sleep(self.RECONNECT_DELAYS[min(attempt, len(self.RECONNECT_DELAYS) - 1)])
            attempt += 1
            try:
                await self._pubsub.aclose()
                self._pubsub = self._client.pubsub()
                channels = list(self._by_channel)
                if channels:
                    await self._pubsub.subscribe(*channels)
                break
            except (RedisConnectionError, RedisTimeoutError, OSError):
                continue
        logger.info("realtime subscription restored", extra={"streams": len(self._by_channel)})
        # Pub/sub is at-most-once: whatever was published while we were away is only in the log.
        self._resync_all()


class MemoryHub(Hub):
    def __init__(self, backend: MemoryBackend) -> None:
        super().__init__()
        self.backend = backend
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        backend.subscribers.append(self._enqueue)

    async def since(self, stream: str, seq: int) -> list[str] | None:
        return self.backend.since(stream, seq)

    async def last_seq(self, stream: str) -> int:
        return self.backend.last_seq(stream)

    async def close(self) -> None:
        await super().close()
        self.backend.subscribers.remove(self._enqueue)

    def _enqueue(self, stream: str, frame: str) -> None:
        # Publishers run on worker threads; the queue belongs to the event loop.
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (stream, frame))

    async def _publish(self, stream: str, body: str) -> int:
        return self.backend.publish(stream, body)

    async def _publish_addressed(self, stream: str, message: str) -> None:
        self.backend.publish_addressed(stream, message)

    async def _subscribe_stream(self, stream: str) -> None:
        return None

    async def _unsubscribe_stream(self, stream: str) -> None:
        return None

    async def _run(self) -> None:
        while True:
            stream, frame = await self.queue.get()
            await self._deliver(stream, frame)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """This process's hub (one per event loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        store = backend()
        hub = RedisHub(store) if isinstance(store, RedisBackend) else MemoryHub(store)
        _hubs[loop] = hub
    return hub


async def close_hub() -> None:
    """Close this event loop's hub and its connections (at shutdown, and between tests)."""
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        await hub.close()
