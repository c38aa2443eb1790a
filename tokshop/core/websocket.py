"""The production server's WebSocket protocol: uvicorn's own, with two additions a big live room needs.

* **Receipt time.** Each message from a client carries ``RECEIVED_AT``, the server's clock (ms)
  when the frame was read from the socket. A bid is in time or late by that stamp, not by when the
  socket's handler got round to it: in a bid storm the handlers queue, the reads do not.
  A socket's reads pause only once READ_AHEAD of its messages wait for the app (uvicorn pauses
  after one), so a client's second bid in quick succession is timed when it comes, too.
* **Pre-encoded frames.** A show's event goes to thousands of sockets; ``scope["extensions"]
  [FRAMES]["write"]`` takes the event as a finished WebSocket frame (``text_frame``, encoded once for
  every socket: server frames are not masked) and writes it straight to the socket, past the
  per-send ASGI and framing work that made up a third of the fan-out's cost.

* **How far it has handled what it read.** ``UNHANDLED`` keeps the stamps of the messages read
  and not yet handled: queued for the app, or taken by it and not finished with, which is until it
  asks for the next one (a Channels consumer handles its messages one at a time). An auction's close
  waits until every process has handled what it read before the end (`tokshop.realtime.watermark`).

Consumers fall back to plain ASGI where these are missing (the development server, test
communicators). Nothing here imports Django: the module is loaded by the server before the app.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request

RECEIVED_AT = "tokshop.received_ms"
FRAMES = "tokshop.frames"
# Messages of one socket read ahead of its app: a bidder's 10 a second (the rate limit) through a
# second of backlog in a bid storm, with room for pings. The room's rate limit refuses a flood.
READ_AHEAD = 16


def text_frame(text: str) -> bytes:
    """`text` as one unmasked WebSocket text frame, the bytes a server sends."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class Unhandled:
    """The read stamps of this process's messages not handled yet. Read from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamps: Counter[int] = Counter()

    def read(self) -> int:
        """Stamp a message read now and count it as unhandled; its stamp."""
        with self._lock:
            # The clock of tokshop.realtime.envelope.server_time_ms, which stamps what we send.
            stamp = int(time.time() * 1000)
            self._stamps[stamp] += 1
        return stamp

    def handled(self, stamp: int) -> None:
        with self._lock:
            self._stamps[stamp] -= 1
            if not self._stamps[stamp]:
                del self._stamps[stamp]

    def handled_through(self) -> int:
        """A time (ms) before which every message read has been handled: the oldest unhandled
        message's stamp, or now. Taken under the lock that stamps, so no message read before it
        can be missing."""
        with self._lock:
            return min(self._stamps, default=int(time.time() * 1000))


UNHANDLED = Unhandled()


def _stamp_of(message: Any) -> int | None:
    stamp: int | None = message.get(RECEIVED_AT)
    return stamp


class StampedQueue(asyncio.Queue[Any]):
    """The protocol's queue to the app: a client's message is stamped as it is queued, which is in
    the same call as the read of its frame."""

    def put_nowait(self, item: Any) -> None:
        if item["type"] == "websocket.receive":
            item[RECEIVED_AT] = UNHANDLED.read()
        super().put_nowait(item)


class TokshopWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = StampedQueue()
        # The stamp of the message the app has taken and not finished with.
        self.in_hand: int | None = None

    async def run_asgi(self) -> None:
        try:
            await super().run_asgi()
        finally:
            # The app is gone: whatever it took or left queued will never be handled.
            self._put_down()
            while not self.queue.empty():
                if (stamp := _stamp_of(self.queue.get_nowait())) is not None:
                    UNHANDLED.handled(stamp)

    async def receive(self) -> Any:
        # Asking for the next message, the app is done with the last.
        self._put_down()
        message = await super().receive()
        self.in_hand = _stamp_of(message)
        return message

    def _put_down(self) -> None:
        if self.in_hand is not None:
            UNHANDLED.handled(self.in_hand)
            self.in_hand = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            extensions = scope.setdefault("extensions", {}) or {}
            extensions[FRAMES] = {"write": self.write_frame}

    def send_receive_event_to_app(self) -> None:
        super().send_receive_event_to_app()
        if self.read_paused and self.queue.qsize() < READ_AHEAD:
            self.read_paused = False
            self.transport.resume_reading()

    def write_frame(self, frame: bytes) -> bool:
        """Write a frame made by `text_frame`; False, with nothing written, if the socket's buffer
        is full (the ASGI send would wait), so the caller can fall behind and catch up alone."""
        if self.disconnected or self.close_sent or self.transport.is_closing():
            # Closing: the app hears of it (websocket.disconnect) and stops following its streams.
            return True
        if not self.writable.is_set():
            return False
        self.transport.write(frame)
        return True
