"""The viewers of the fan-out benchmark: many WebSocket clients in one process, each counting the
events it receives and how late they are.

A client process imports neither Django nor the project (it is spawned), talks to the parent over a
pipe and is bounded by the deadline the parent sends.

Two implementations of a viewer:

* ``light`` (the default): a minimal RFC 6455 client on an ``asyncio.Protocol``. It parses the
  server's small unmasked frames straight from the socket buffer and timestamps every read once. At
  3,000 viewers x 20 events/s (60,000 frames/s) the ``websockets`` client needs well over a core of
  its own on a 2-core machine and its queueing delays then dominate the latency it reports (raw
  server p99 ~600 ms instead of ~40 ms): the instrument must cost less than what it measures.
* ``websockets``: the ``websockets`` client library, kept as a cross-check at small N.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import resource
import signal
import time
from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlparse

TICK = "bench.tick"
TICK_MARK = f'"type":"{TICK}"'
TICK_MARK_BYTES = TICK_MARK.encode()
SNAPSHOT_MARK = '"type":"room.snapshot"'

# Handshakes in flight per client process: enough to connect 3,000 viewers in seconds, few enough
# that daphne's handshake timeout (5 s) never fires while session lookups queue up behind each other.
CONNECT_CONCURRENCY = 64
CONNECT_ATTEMPTS = 3
CONNECT_TIMEOUT = 30.0
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


@dataclass
class ClientJob:
    index: int
    url: str
    origin: str
    cookie: str | None
    count: int
    run_id: str
    events: int
    # Tokshop's socket sends its snapshot once it follows the stream: a viewer counts as connected then.
    expect_snapshot: bool
    client: str = "light"


@dataclass
class ClientResult:
    connected: int = 0
    connect_seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    duplicates: int = 0
    closed_early: int = 0
    incomplete: int = 0
    # Viewers that missed at least one event by the deadline, and how many each missed (a histogram).
    missing_histogram: dict[str, int] = field(default_factory=dict)
    first_receive: float = 0.0
    last_receive: float = 0.0


class Tally:
    """What every viewer of this process received, kept cheaply: one latency per delivery."""

    def __init__(self, job: ClientJob) -> None:
        self.run_id = job.run_id
        self.events = job.events
        self.latencies = array("d")
        # The event each latency belongs to: tells a slow event (a server stall) from a slow viewer.
        self.indices = array("H")
        self.delivered = 0
        self.duplicates = 0
        self.first_receive = float("inf")
        self.last_receive = 0.0
        self.viewers = 0
        self.complete = 0
        self.all_complete = asyncio.Event()

    def record(self, seen: bytearray, event: dict[str, Any], now: float) -> bool:
        """Count one tick for a viewer; True once that viewer has every event of the run."""
        if event.get("run") != self.run_id:
            return False  # warm-up events
        i = event["i"]
        if seen[i]:
            self.duplicates += 1
            return False
        seen[i] = 1
        self.delivered += 1
        self.latencies.append((now - event["sent_at"]) * 1000.0)
        self.indices.append(i)
        self.first_receive = min(self.first_receive, now)
        self.last_receive = max(self.last_receive, now)
        return self.delivered_by(seen)

    def delivered_by(self, seen: bytearray) -> bool:
        # Counting the bytearray is C-speed; a viewer finishes once, so this is done once per event.
        if seen.count(1) < self.events:
            return False
        self.complete += 1
        if self.complete >= self.viewers:
            self.all_complete.set()
        return True


# --- the light client ----------------------------------------------------------------------------------
def _mask(payload: bytes) -> bytes:
    """Client frames must be masked (RFC 6455 §5.3)."""
    key = os.urandom(4)
    return key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def _client_frame(opcode: int, payload: bytes) -> bytes:
    if len(payload) > 125:
        raise ValueError("control frames carry at most 125 bytes")
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + _mask(payload)


def next_frame(buf: bytearray, pos: int) -> tuple[int, int, int, int] | None:
    """The frame at `pos` of `buf` as (first byte, second byte, payload start, payload end), or None
    while it has not all arrived."""
    size = len(buf)
    if size - pos < 2:
        return None
    b0, b1 = buf[pos], buf[pos + 1]
    length, head = b1 & 0x7F, 2
    if length == 126:
        if size - pos < 4:
            return None
        length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
    elif length == 127:
        if size - pos < 10:
            return None
        length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
    if size - pos < head + length:
        return None
    return b0, b1, pos + head, pos + head + length


class LightViewer(asyncio.Protocol):
    def __init__(self, job: ClientJob, tally: Tally, host: str) -> None:
        self.job = job
        self.tally = tally
        self.key = base64.b64encode(os.urandom(16)).decode()
        target = urlparse(job.url)
        cookie = f"Cookie: sessionid={job.cookie}\r\n" if job.cookie else ""
        self.request = (
            f"GET {target.path or '/'} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {job.origin}\r\n{cookie}\r\n"
        ).encode("latin1")
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.seen = bytearray(job.events)
        self.finished = False
        self.closed = False
        self.aborting = False
        self.server_closed = False

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError("connection lost"))

    def data_received(self, data: bytes) -> None:
        # One timestamp per read: every frame in it arrived by then.
        now = time.time()
        self.buffer += data
        if not self.upgraded and not self._handshake():
            return
        self._frames(now)

    # protocol
    def _fail(self, error: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(error)

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).decode("latin1").split("\r\n")
        del self.buffer[: end + 4]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        accept = base64.b64encode(hashlib.sha1((self.key + WS_GUID).encode()).digest()).decode()  # noqa: S324
        if not head[0].startswith("HTTP/1.1 101") or headers.get("sec-websocket-accept") != accept:
            self._fail(ConnectionError(f"handshake refused: {head[0]}"))
            self.abort()
            return False
        self.upgraded = True
        if not self.job.expect_snapshot:
            self.ready.set_result(None)
        return True

    def _frames(self, now: float) -> None:
        buf = self.buffer
        pos = 0
        while (found := next_frame(buf, pos)) is not None:
            b0, b1, start, end = found
            if b1 & 0x80 or not b0 & 0x80:
                # Servers never mask; neither server fragments frames this small.
                self._fail(ConnectionError("masked or fragmented server frame"))
                self.abort()
                return
            payload = bytes(buf[start:end])
            pos = end
            opcode = b0 & 0x0F
            if opcode == OP_TEXT:
                self._text(payload, now)
            elif opcode == OP_PING and self.transport is not None:
                self.transport.write(_client_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                self.server_closed = True
                self._fail(ConnectionError(f"closed {int.from_bytes(payload[:2], 'big') if payload else 'none'}"))
                self.abort()
                return
        del buf[:pos]

    def _text(self, payload: bytes, now: float) -> None:
        if not self.ready.done():
            if self.job.expect_snapshot and SNAPSHOT_MARK.encode() in payload:
                self.ready.set_result(None)
            return
        if self.finished or TICK_MARK_BYTES not in payload:
            return
        if self.tally.record(self.seen, json.loads(payload), now):
            self.finished = True

    def abort(self) -> None:
        self.aborting = True
        if self.transport is not None:
            self.transport.abort()


async def _open_light(job: ClientJob, tally: Tally) -> LightViewer:
    target = urlparse(job.url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    loop = asyncio.get_running_loop()
    viewer = LightViewer(job, tally, f"{host}:{port}")
    try:
        await asyncio.wait_for(loop.create_connection(lambda: viewer, host, port), CONNECT_TIMEOUT)
        await asyncio.wait_for(viewer.ready, CONNECT_TIMEOUT)
    except BaseException:
        viewer.abort()
        raise
    return viewer


# --- the websockets-library client -----------------------------------------------------------------------
@dataclass
class LibraryViewer:
    ws: Any  # websockets.asyncio.client.ClientConnection
    seen: bytearray


async def _open_websockets(job: ClientJob, tally: Tally) -> LibraryViewer:
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={job.cookie}"} if job.cookie else None
    ws = await connect(
        job.url,
        origin=job.origin,  # type: ignore[arg-type]
        additional_headers=headers,
        compression=None,
        proxy=None,  # loopback only, whatever the environment says
        ping_interval=None,  # the run is shorter than a ping period
        open_timeout=CONNECT_TIMEOUT,
        close_timeout=1,
    )
    if job.expect_snapshot:
        first = await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT)
        if SNAPSHOT_MARK not in first:
            await ws.close()
            raise ConnectionError(f"unexpected first frame {first[:60]!r}")
    return LibraryViewer(ws, bytearray(job.events))


async def _read_websockets(viewer: LibraryViewer, tally: Tally) -> None:
    from websockets.exceptions import ConnectionClosed

    with contextlib.suppress(ConnectionClosed):
        while True:
            message = await viewer.ws.recv()
            now = time.time()
            if TICK_MARK in message and tally.record(viewer.seen, json.loads(message), now):
                return


# --- the process --------------------------------------------------------------------------------------------
def client_worker(job: ClientJob, conn: Connection) -> None:
    """Entry point of a client process."""
    # The parent handles Ctrl-C and stops us; dying half-way through a report would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        asyncio.run(_client_main(job, conn))
    except (EOFError, BrokenPipeError):
        pass  # the parent went away: nothing left to report to
    except Exception as error:
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(error).__name__}: {error}"))


async def _client_main(job: ClientJob, conn: Connection) -> None:
    from websockets.exceptions import ConnectionClosed, WebSocketException

    loop = asyncio.get_running_loop()
    tally = Tally(job)
    result = ClientResult()
    failures: Counter[str] = Counter()
    viewers: list[Any] = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    opener = _open_light if job.client == "light" else _open_websockets

    async def open_one() -> None:
        reason = "unknown"
        for attempt in range(CONNECT_ATTEMPTS):
            async with gate:
                try:
                    viewers.append(await opener(job, tally))
                    return
                except ConnectionClosed as error:
                    reason = f"closed {error.rcvd.code if error.rcvd else 'none'}"
                except (OSError, TimeoutError, WebSocketException) as error:
                    reason = str(error) if isinstance(error, ConnectionError) else type(error).__name__
            await asyncio.sleep(0.2 * (attempt + 1))
        failures[reason] += 1

    started = time.monotonic()
    await asyncio.gather(*(open_one() for _ in range(job.count)))
    result.connect_seconds = time.monotonic() - started
    result.connected = tally.viewers = len(viewers)
    result.failures = dict(failures)
    if not viewers:
        tally.all_complete.set()

    readers = [] if job.client == "light" else [asyncio.create_task(_read_websockets(ws, tally)) for ws in viewers]
    conn.send(("connected", result.connected, result.failures, result.connect_seconds))

    # The parent answers once it has published everything: ("deadline", wall-clock time).
    kind, deadline = await loop.run_in_executor(None, conn.recv)
    if kind != "deadline":
        raise RuntimeError(f"unexpected message {kind!r}")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(tally.all_complete.wait(), max(0.0, deadline - time.time()))
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    missing: Counter[str] = Counter()
    for viewer in viewers:
        seen = viewer.seen
        lost = job.events - seen.count(1)
        if lost:
            missing[str(lost)] += 1
        # Closed by the server (not by us) before the deadline: the viewer was dropped.
        if job.client == "light":
            dropped = viewer.server_closed or (viewer.closed and not viewer.aborting)
        else:
            dropped = viewer.ws.close_code is not None and lost > 0
        result.closed_early += dropped
    result.delivered = tally.delivered
    result.duplicates = tally.duplicates
    result.incomplete = sum(missing.values())
    result.missing_histogram = dict(missing)
    if tally.delivered:
        result.first_receive, result.last_receive = tally.first_receive, tally.last_receive
    conn.send(("result", asdict(result), tally.latencies.tobytes(), tally.indices.tobytes()))
    # Stay connected until the parent has read the server's log: all viewers leaving at once is a
    # load of its own, measured apart. Then dropping the TCP connections is enough.
    with contextlib.suppress(EOFError, OSError):
        await loop.run_in_executor(None, conn.recv)
    for viewer in viewers:
        if job.client == "light":
            viewer.abort()
        else:
            viewer.ws.transport.abort()
