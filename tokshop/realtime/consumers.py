"""The base every Tokshop socket is built on: authentication, limits, the error frame, and a
sequenced stream followed with catch-up after a reconnect or a gap."""

import abc
import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from tokshop.core.errors import ApplicationError
from tokshop.core.websocket import FRAMES, RECEIVED_AT

from . import closecodes
from .envelope import frame, seq_of, server_time_ms
from .groups import user_group
from .hub import Delivery, get_hub
from .watermark import reporting_ensure

Handler = Callable[[Any, dict[str, Any]], Awaitable[None]]

logger = logging.getLogger(__name__)

# Frames held for a socket that is catching up; past this it reads them back from the stream's log.
PENDING_MAX = 1000

# A client that keeps flooding after this many refused frames is disconnected, and its user's new
# sockets are refused for a while: reconnecting must not buy a fresh burst allowance.
FLOOD_STRIKES = 50
FLOOD_COOLOFF_SECONDS = 10
FLOOD_COOLOFF_KEY = "realtime:flood-cooloff:{user_id}"


def send_now(step: Coroutine[Any, Any, None]) -> bool:
    """Run an ASGI send that needs no waiting; False, with nothing sent, if it would have to wait.

    Servers wait before writing when a socket's buffer is full (uvicorn: "writable"), so a send
    that would wait has written nothing yet and can be dropped here.
    """
    try:
        step.send(None)
    except StopIteration:
        return True
    step.close()
    return False


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.capacity = rate, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class StreamConsumer(AsyncWebsocketConsumer, abc.ABC):
    """A socket following one event stream. Subclasses name the stream, build the snapshot and
    list the client messages they handle in `handlers` ({"domain.verb": "method_name"})."""

    handlers: ClassVar[dict[str, str]] = {}
    snapshot_type: ClassVar[str] = "snapshot"
    # Whether people who are not signed in may follow the stream (watching a public show); they
    # may send only the messages listed in `anonymous_handlers`, and `ping`.
    anonymous_allowed: ClassVar[bool] = False
    anonymous_handlers: ClassVar[frozenset[str]] = frozenset()

    stream: str
    last_seq: int = 0

    # --- what subclasses provide -----------------------------------------------------------
    @abc.abstractmethod
    async def authorize(self) -> str | None:
        """Check access and return the stream to follow, or close the socket and return None."""

    @abc.abstractmethod
    async def snapshot(self) -> dict[str, Any]:
        """The current state a client starts from."""

    # --- connection ------------------------------------------------------------------------
    async def connect(self) -> None:
        from analytics.metrics import WEBSOCKET_CONNECTIONS

        self.user = self.scope.get("user")
        self.server_send = self.scope["realtime.server_send"]
        self.write_frame = (self.scope.get("extensions") or {}).get(FRAMES, {}).get("write")
        if self.write_frame:
            # Our server, which counts what it has read and not handled yet.
            reporting_ensure()
        self._syncing = False
        self._pending: list[tuple[int, str]] = []
        self._catch_up_task: asyncio.Task[None] | None = None
        self._strikes = 0
        self._last_rate_error = 0.0
        config = settings.REALTIME
        self.max_frame_bytes = config["MAX_FRAME_BYTES"]
        self.bucket = TokenBucket(config["FRAME_RATE"], config["FRAME_BURST"])
        await self.accept()
        self.is_signed_in = self.user is not None and self.user.is_authenticated
        if not self.is_signed_in and not self.anonymous_allowed:
            await self.close(code=closecodes.UNAUTHENTICATED, reason="unauthenticated")
            return
        if self.is_signed_in and await cache.aget(FLOOD_COOLOFF_KEY.format(user_id=self.user.pk)):
            await self.close(code=closecodes.FLOODING, reason="flooding")
            return
        stream = await self.authorize()
        if stream is None:
            return
        self.stream = stream
        self.metrics_label = type(self).__name__
        WEBSOCKET_CONNECTIONS.labels(consumer=self.metrics_label).inc()
        # Control messages to the user (such as "your session ended") use the channel layer.
        if self.is_signed_in:
            await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
            await self._record_account_signals()
        await self._follow(self._since_from_query())

    async def _record_account_signals(self) -> None:
        """The browser and address this account connects from, for linked-account checks (throttled)."""
        from tokshop.users.services_links import DEVICE_COOKIE, account_signals_record

        host = (self.scope.get("client") or [""])[0] or ""
        device_id = self.scope.get("cookies", {}).get(DEVICE_COOKIE, "")
        await database_sync_to_async(account_signals_record)(user_id=self.user.pk, device_id=device_id, ip=host)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "stream", None) is None:
            return
        from analytics.metrics import WEBSOCKET_CONNECTIONS

        WEBSOCKET_CONNECTIONS.labels(consumer=self.metrics_label).dec()
        # The hub first: whatever happens to the channel layer, no event goes to a closed socket.
        await get_hub().unsubscribe(self.stream, self)
        if self._catch_up_task is not None:
            self._catch_up_task.cancel()
        if not self.is_signed_in:
            return
        try:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        except (RedisError, OSError):
            # The group entry expires by itself (the layer's group expiry); nothing else depends on it.
            logger.warning("could not leave the control group", exc_info=True)

    def _since_from_query(self) -> int | None:
        from urllib.parse import parse_qs

        values = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("since")
        if values and values[0].isascii() and values[0].isdigit():
            return int(values[0])
        return None

    async def _follow(self, since: int | None) -> None:
        # Subscribe before reading the state, buffering, so nothing published in between is lost.
        self._syncing = True
        await get_hub().subscribe(self.stream, self, user_id=self.user.pk if self.is_signed_in else None)
        if since is None:
            await self._send_snapshot()
        else:
            self.last_seq = since
        await self._catch_up()

    async def _send_snapshot(self) -> None:
        seq = await get_hub().last_seq(self.stream)
        state = await self.snapshot()
        self.last_seq = seq
        await self.send(text_data=frame(self.snapshot_type, seq=seq, **state))

    async def _catch_up(self) -> None:
        """Send what the client is missing after `last_seq`, then whatever arrived meanwhile."""
        self._syncing = True
        try:
            while True:
                frames = await get_hub().since(self.stream, self.last_seq)
                if frames is None:
                    # Too far behind (or the stream was reset): start again from the current state.
                    await self._send_snapshot()
                    frames = []
                for text in frames:
                    await self._send_in_order(text, seq_of(text))
                if not await self._drain_pending():
                    return
        finally:
            self._syncing = False

    async def _drain_pending(self) -> bool:
        """Send what arrived while catching up, until none is left; True when a gap in it sends
        the catch-up back to the log. Sending may wait, and more may arrive meanwhile: the buffer
        is checked again after every pass, with no wait between the check and the return."""
        while self._pending:
            pending, self._pending = sorted(self._pending), []
            for seq, text in pending:
                if seq > self.last_seq + 1:
                    return True
                await self._send_in_order(text, seq)
        return False

    async def _send_in_order(self, text: str, seq: int) -> None:
        if seq == self.last_seq + 1:
            self.last_seq = seq
            await self.send(text_data=text)

    # --- the hub's listener interface: it never waits, so no socket can hold up the others --------
    def deliver(self, delivery: Delivery) -> None:
        seq = delivery.seq
        if self._syncing:
            self._buffer(seq, delivery.text)
        elif seq == self.last_seq + 1:
            # The hot path of a big room: straight to the server, past Channels' per-frame wrappers,
            # and with our server, as the frame already encoded for every socket.
            if self._write_now(delivery):
                self.last_seq = seq
            else:
                # The socket's buffer is full: this frame and the next go out from a task of this
                # socket's own, read back from the stream's log once the socket takes frames again.
                self._start_catch_up()
        elif seq > self.last_seq + 1:
            self._buffer(seq, delivery.text)
            self._start_catch_up()

    def deliver_addressed(self, text: str) -> None:
        # Unnumbered, so it cannot wait its turn behind a snapshot or a catch-up: a socket busy
        # with one, or too full to take it, drops it. What it tells (the price moved past you) is
        # in the stream's next frames too.
        if not self._syncing:
            self._write_now(Delivery(text, seq=0))

    def _write_now(self, delivery: Delivery) -> bool:
        """Write the frame without waiting; False, with nothing written, if the socket's buffer is full."""
        return self.write_frame(delivery.wire) if self.write_frame else send_now(self.server_send(delivery.message))

    def resync(self) -> None:
        if not self._syncing:
            self._start_catch_up()

    def _buffer(self, seq: int, frame_text: str) -> None:
        # Past the cap, frames are only in the stream's log, where the catch-up finds them.
        if len(self._pending) < PENDING_MAX:
            self._pending.append((seq, frame_text))

    def _start_catch_up(self) -> None:
        self._syncing = True
        self._catch_up_task = asyncio.create_task(self._catch_up())

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `aclose_old_connections()` before every message: that is
        a hop to the process's single thread for sync code, so each frame of every socket (each bid
        of a hot auction) would queue behind all the database work of the process. Every handler
        here reaches the database through `database_sync_to_async`, which closes stale connections
        around each call itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- client messages ------------------------------------------------------------------
    async def websocket_receive(self, message: dict[str, Any]) -> None:
        # When the server read the frame (our server stamps each one), else now: a bid is in time
        # or late by this, however long it then waited behind other work of the process.
        self.frame_received_ms: int = message.get(RECEIVED_AT) or server_time_ms()
        await super().websocket_receive(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data if text_data is not None else bytes_data or b""
        if len(raw) > self.max_frame_bytes:
            await self.close(code=closecodes.MESSAGE_TOO_BIG, reason="frame_too_big")
            return
        if not self.bucket.take():
            await self._refuse_flood()
            return
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            await self.send_error(None, "invalid_json", "Frames must be JSON objects.")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error(None, "invalid_message", 'Frames must be objects with a "type".')
            return
        ref = message.get("ref") if isinstance(message.get("ref"), str | int) else None
        method = self.handlers.get(message["type"])
        if method is None and message["type"] == "ping":
            await self.send(text_data=frame("pong", ref=ref, server_time=server_time_ms()))
            return
        if method is None:
            await self.send_error(ref, "unknown_type", f"Unknown message type {message['type'][:64]!r}.")
            return
        if not self.is_signed_in and message["type"] not in self.anonymous_handlers:
            await self.send_error(ref, "sign_in_required", "Sign in to do that.")
            return
        try:
            await getattr(self, method)(message)
        except ApplicationError as error:
            await self.send_error(ref, error.code, error.message, fields=error.fields, extra=error.extra)

    async def _refuse_flood(self) -> None:
        self._strikes += 1
        if self._strikes >= FLOOD_STRIKES:
            if self.is_signed_in:
                await cache.aset(FLOOD_COOLOFF_KEY.format(user_id=self.user.pk), 1, timeout=FLOOD_COOLOFF_SECONDS)
            await self.close(code=closecodes.FLOODING, reason="flooding")
            return
        # One error frame a second at most: answering every dropped frame would amplify a flood.
        now = time.monotonic()
        if now - self._last_rate_error >= 1:
            self._last_rate_error = now
            await self.send_error(None, "rate_limited", "Slow down: you are sending messages too fast.")

    async def send_error(
        self,
        ref: Any,
        code: str,
        message: str,
        *,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        # What the refusal adds (the next minimum of a bid too low, say) goes beside the code.
        payload: dict[str, Any] = {**(extra or {}), "ref": ref, "code": code, "message": message}
        if fields:
            payload["fields"] = fields
        await self.send(text_data=frame("error", **payload))

    async def reply(self, message: dict[str, Any], type_: str, **payload: Any) -> None:
        """Answer the sender alone, echoing its `ref`."""
        await self.send(text_data=frame(type_, ref=message.get("ref"), **payload))

    # --- channel layer handlers ------------------------------------------------------------
    async def realtime_close(self, event: dict[str, Any]) -> None:
        await self.close(code=closecodes.SESSION_ENDED, reason=event.get("reason", "session_ended"))

    async def realtime_leave_room(self, event: dict[str, Any]) -> None:
        """Sent to all of a user's sockets when they are banned from live rooms; a socket that is
        not in one ignores it (the live room's consumer closes itself)."""
