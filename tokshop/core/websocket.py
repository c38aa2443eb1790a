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

Consumers fall back to plain ASGI where these are missing (the development server, test
communicators). Nothing here imports Django: the module is loaded by the server before the app.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request

RECEIVED_AT = "tokshop.received_ms"
FRAMES = "tokshop.frames"
# Messages of one socket read ahead of its app; the room's own rate limit refuses a flood of them.
READ_AHEAD = 8


def text_frame(text: str) -> bytes:
    """`text` as one unmasked WebSocket text frame, the bytes a server sends."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class StampedQueue(asyncio.Queue[Any]):
    """The protocol's queue to the app: a client's message is stamped as it is queued, which is in
    the same call as the read of its frame."""

    def put_nowait(self, item: Any) -> None:
        if item["type"] == "websocket.receive":
            # The clock of tokshop.realtime.envelope.server_time_ms, which stamps what we send.
            item[RECEIVED_AT] = int(time.time() * 1000)
        super().put_nowait(item)


class TokshopWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = StampedQueue()

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
