"""The clients of the auctions benchmark: viewers watching a room and bidders bidding in it.

A client process imports neither Django nor the project (it is spawned), talks to the parent over a
pipe and timestamps every frame it reads with the wall clock (the server runs on the same machine,
so its `ends_at` and our clock compare directly).

Both kinds use one minimal RFC 6455 client on an ``asyncio.Protocol`` (as ``_viewers.py`` explains,
the ``websockets`` library client costs more CPU than the server it measures on 2 cores).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import random
import resource
import signal
import time
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlparse

from bench._viewers import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, WS_GUID, next_frame

CONNECT_CONCURRENCY = 64
CONNECT_TIMEOUT = 30.0
# A bidder's bids per second; more are refused as rate limited (auctions.rules.RATE_LIMIT_PER_SECOND).
BIDS_PER_SECOND = 10


def _masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (RFC 6455 §5.3: masked), any length."""
    key = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = bytes([0x80 | opcode, 0x80 | size])
    elif size < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    repeated = (key * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(size, "big")
    return head + key + masked


class Socket(asyncio.Protocol):
    """One room socket: `on_message(message, now)` gets every JSON frame after the snapshot."""

    def __init__(self, url: str, origin: str, cookie: str | None, on_message: Callable[[dict[str, Any], float], None]):
        target = urlparse(url)
        self.host, self.port, self.path = target.hostname or "127.0.0.1", target.port or 80, target.path
        self.key = base64.b64encode(os.urandom(16)).decode()
        cookie_line = f"Cookie: sessionid={cookie}\r\n" if cookie else ""
        self.request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n{cookie_line}\r\n"
        ).encode("latin1")
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.closed = False

    async def open(self) -> dict[str, Any]:
        """Connect and return the room's snapshot."""
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.create_connection(lambda: self, self.host, self.port), CONNECT_TIMEOUT)
        return await asyncio.wait_for(self.ready, CONNECT_TIMEOUT)

    def send(self, message: dict[str, Any]) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(_masked(OP_TEXT, json.dumps(message, separators=(",", ":")).encode()))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("connection lost"))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin1").split("\r\n")
            del self.buffer[: end + 4]
            accept = base64.b64encode(hashlib.sha1((self.key + WS_GUID).encode()).digest()).decode()  # noqa: S324
            if not head[0].startswith("HTTP/1.1 101") or accept not in "\r\n".join(head):
                self.ready.set_exception(ConnectionError(f"handshake refused: {head[0]}"))
                self.abort()
                return
            self.upgraded = True
        self._frames(now)

    def _frames(self, now: float) -> None:
        buf = self.buffer
        pos = 0
        while (found := next_frame(buf, pos)) is not None:
            b0, _b1, start, end = found
            payload = bytes(buf[start:end])
            pos = end
            opcode = b0 & 0x0F
            if opcode == OP_TEXT:
                message = json.loads(payload)
                if not self.ready.done():
                    if message.get("type") == "room.snapshot":
                        self.ready.set_result(message)
                else:
                    self.on_message(message, now)
            elif opcode == OP_PING and self.transport is not None:
                self.transport.write(_masked(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                self.closed = True
                if not self.ready.done():
                    code = int.from_bytes(payload[:2], "big") if payload else 0
                    self.ready.set_exception(ConnectionError(f"closed {code}"))
                self.abort()
                return
        del buf[:pos]


async def open_all(make: Callable[[int], Socket], count: int) -> tuple[list[Socket | None], Counter[str]]:
    """Open `count` sockets, a few at a time: socket i or None if it failed (counted by reason)."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    opened: list[Socket | None] = [None] * count
    failures: Counter[str] = Counter()

    async def one(i: int) -> None:
        for attempt in range(3):
            async with gate:
                socket = make(i)
                try:
                    await socket.open()
                    opened[i] = socket
                    return
                except (OSError, TimeoutError) as error:
                    socket.abort()
                    reason = str(error) or type(error).__name__
            await asyncio.sleep(0.2 * (attempt + 1))
        failures[reason] += 1

    await asyncio.gather(*(one(i) for i in range(count)))
    return opened, failures


def _process_setup() -> None:
    # The parent handles Ctrl-C and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _run(main: Callable[[Any, Connection], Any], job: Any, conn: Connection) -> None:
    _process_setup()
    try:
        asyncio.run(main(job, conn))
    except (EOFError, BrokenPipeError):
        pass
    except Exception as error:
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(error).__name__}: {error}"))


async def _recv(conn: Connection) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


# --- viewers ---------------------------------------------------------------------------------------
@dataclass
class ViewerJob:
    urls: list[str]  # viewer i watches urls[i % len(urls)]
    origin: str
    cookie: str | None
    count: int
    # Viewers whose every bid.placed frame is kept (for latency); the others only count frames.
    sampled: int


def viewer_worker(job: ViewerJob, conn: Connection) -> None:
    _run(_viewer_main, job, conn)


async def _viewer_main(job: ViewerJob, conn: Connection) -> None:
    # Per sampled viewer: bid.placed frames as (bid_count, receive time), in the order received.
    counts = [array("l") for _ in range(job.sampled)]
    times = [array("d") for _ in range(job.sampled)]
    # auction.closed at every viewer: (auction, its ends_at in ms, receive time in ms).
    closes: list[tuple[int, int, float]] = []
    frames: Counter[str] = Counter()

    def make(i: int) -> Socket:
        def on_message(message: dict[str, Any], now: float) -> None:
            kind = message.get("type", "")
            frames[kind] += 1
            if kind == "bid.placed" and i < job.sampled:
                counts[i].append(message["bid_count"])
                times[i].append(now)
            elif kind == "auction.closed":
                closes.append((message["auction_id"], message["ends_at"], now * 1000))

        return Socket(job.urls[i % len(job.urls)], job.origin, job.cookie, on_message)

    started = time.monotonic()
    opened, failures = await open_all(make, job.count)
    sockets = [s for s in opened if s is not None]
    conn.send(("connected", len(sockets), dict(failures), time.monotonic() - started))
    await _recv(conn)  # "stop"
    dropped = sum(s.closed for s in sockets)
    conn.send(
        (
            "result",
            {
                "counts": [a.tobytes() for a in counts],
                "times": [a.tobytes() for a in times],
                "closes": closes,
                "frames": dict(frames),
                "dropped": dropped,
            },
        )
    )
    for socket in sockets:
        socket.abort()


# --- bidders ---------------------------------------------------------------------------------------
@dataclass
class BidderJob:
    url: str
    origin: str
    cookies: list[str]  # one signed-in bidder each
    auction_id: int
    margin_cents: int  # a warm-up bid is the known price plus 1 to this many cents


@dataclass
class Plan:
    """What the bidders do once warm. "loop": each bids again as soon as its answer comes, at most
    BIDS_PER_SECOND, until `until`; "storm": `storm` bids spread evenly over [storm_from, storm_to)
    (wall clock, s), answers not awaited.

    A bid's amount rises with the moment it is sent: `base_cents` plus `ramp_cents_per_s` since
    `ramp_from`, plus less than a millisecond's worth at random. Amounts taken from the last price
    heard would be stale by every bid in flight, and most would be refused as too low; a bid sent
    later than another bids more, so a bid is refused only if it reached the engine after one sent
    later (or the last price heard is higher still)."""

    mode: str
    base_cents: int
    ramp_from: float
    ramp_cents_per_s: int
    until: float = 0.0
    storm: int = 0
    storm_from: float = 0.0
    storm_to: float = 0.0


@dataclass
class Placed:
    sent: float
    answered: float = 0.0
    outcome: str = ""  # leading/outbid from bid.accepted, or the error's code
    seq: int = 0
    replayed: bool = False


@dataclass
class Bidder:
    index: int
    socket: Socket | None = None
    pending: dict[str, Placed] = field(default_factory=dict)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    second: int = 0
    in_second: int = 0


def bidder_worker(job: BidderJob, conn: Connection) -> None:
    _run(_bidder_main, job, conn)


async def _bidder_main(job: BidderJob, conn: Connection) -> None:
    known = {"price": 0}
    outstanding = {"bids": 0}
    settled = asyncio.Event()
    placed: list[Placed] = []
    bidders = [Bidder(i) for i in range(len(job.cookies))]

    def make(i: int) -> Socket:
        bidder = bidders[i]

        def on_message(message: dict[str, Any], now: float) -> None:
            kind = message.get("type")
            if "price_cents" in message and message.get("auction_id") == job.auction_id:
                known["price"] = max(known["price"], message["price_cents"])
            if kind == "error" and "next_minimum_cents" in message:
                known["price"] = max(known["price"], message["next_minimum_cents"] - 1)
            if kind not in ("bid.accepted", "error"):
                return
            bid = bidder.pending.pop(message.get("ref", ""), None)
            if bid is None:
                return
            bid.answered = now
            bid.outcome = message["outcome"] if kind == "bid.accepted" else message.get("code", "error")
            bid.seq = message.get("bid_count", 0) if kind == "bid.accepted" else 0
            bid.replayed = bool(message.get("replayed"))
            bidder.answered.set()
            outstanding["bids"] -= 1
            if not outstanding["bids"]:
                settled.set()

        return Socket(job.url, job.origin, job.cookies[i], on_message)

    started = time.monotonic()
    opened, failures = await open_all(make, len(bidders))
    for bidder, socket in zip(bidders, opened, strict=True):
        bidder.socket = socket
    live = [b for b in bidders if b.socket is not None]
    conn.send(("connected", len(live), dict(failures), time.monotonic() - started))

    counter = 0

    def send(bidder: Bidder, plan: Plan | None) -> Placed:
        nonlocal counter
        counter += 1
        ref = f"b{bidder.index}-{counter}"
        now = time.time()
        if plan is None:
            amount = known["price"] + random.randint(1, job.margin_cents)
        else:
            ramp = plan.base_cents + int((now - plan.ramp_from) * plan.ramp_cents_per_s)
            amount = max(known["price"] + 1, ramp) + random.randrange(max(1, plan.ramp_cents_per_s // 1000))
        bid = Placed(sent=now)
        bidder.pending[ref] = bid
        outstanding["bids"] += 1
        settled.clear()
        bidder.answered.clear()
        assert bidder.socket is not None
        bidder.socket.send(
            {"type": "bid.place", "ref": ref, "auction_id": job.auction_id, "amount_cents": amount, "confirm": True}
        )
        if plan is not None:
            placed.append(bid)
        return bid

    async def paced(bidder: Bidder) -> None:
        """Wait until this bidder may bid again without being rate limited."""
        now = time.time()
        if int(now) != bidder.second:
            bidder.second, bidder.in_second = int(now), 0
        if bidder.in_second >= BIDS_PER_SECOND:
            await asyncio.sleep(int(now) + 1.002 - now)
            bidder.second, bidder.in_second = int(time.time()), 0
        bidder.in_second += 1

    async def warm(bidder: Bidder) -> None:
        # The first bid of each bidder loads what the server caches per bidder (eligibility, name).
        await paced(bidder)
        send(bidder, None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bidder.answered.wait(), 30)

    async def loop(bidder: Bidder, plan: Plan) -> None:
        while time.time() < plan.until and bidder.socket is not None and not bidder.socket.closed:
            await paced(bidder)
            send(bidder, plan)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bidder.answered.wait(), 10)

    async def storm(bidder: Bidder, plan: Plan, at: list[float]) -> None:
        for moment in at:
            await asyncio.sleep(max(0.0, moment - time.time()))
            send(bidder, plan)

    async def run(plan: Plan) -> None:
        if plan.mode == "loop":
            await asyncio.gather(*(loop(b, plan) for b in live))
        else:
            span = plan.storm_to - plan.storm_from
            moments = [plan.storm_from + span * (k + random.random()) / plan.storm for k in range(plan.storm)]
            # Dealt in turn, a bidder's bids are evenly spread: none waits for its rate limit.
            shares: list[list[float]] = [[] for _ in live]
            for k, moment in enumerate(moments):
                shares[k % len(live)].append(moment)
            await asyncio.gather(*(storm(b, plan, at) for b, at in zip(live, shares, strict=True)))
        # Answers still on their way.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settled.wait(), 10)

    await _recv(conn)  # "warm up"
    await asyncio.gather(*(warm(b) for b in live))
    conn.send(("warm",))
    # Plans until the parent says "done".
    while isinstance(plan := await _recv(conn), Plan):
        placed.clear()
        await run(plan)
        conn.send(
            (
                "result",
                [(p.sent, p.answered, p.outcome, p.seq, p.replayed) for p in placed],
                sum(b.socket is not None and b.socket.closed for b in live),
            )
        )
    for b in live:
        if b.socket is not None:
            b.socket.abort()
