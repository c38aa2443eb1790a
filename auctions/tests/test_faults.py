"""R15: faults during a bid storm over real connections, with two server processes on a Redis of
the test's own (never the shared one): one server killed with SIGKILL, Redis paused, Redis restarted
empty (the engine rebuilds each auction from PostgreSQL), and the servers' PostgreSQL connections
terminated.

Bidders bid all along, each on its own socket, reconnecting to the surviving server when theirs
goes away. What must hold: every bid a bidder was told was accepted is stored in PostgreSQL as that
bid (so no two accepted bids share a number), errors happen only between a fault and the moment
every bidder is answered again, and that recovery takes less than 30 s."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import redis
import websockets
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client

from shows.models import LineupItem, Show
from shows.tests.factories import LineupItemFactory, ShowFactory
from tests.processes import BIN, LOGS, free_port, process_environment, running, wait_serving
from tokshop.core.management.commands.serve import web_command
from tokshop.users.models import User
from tokshop.users.tests.factories import UserFactory

from ..models import Bid, SellerAuctionDefaults
from ..services.auctions import auction_create

# Two servers and a Redis to start and stop: more than the default limit on a busy machine.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults, pytest.mark.timeout(240)]

BIDDERS = 8
# Each bidder bids about 5 times a second: half its rate limit, a storm of 40 bids a second in all.
PAUSE_BETWEEN_BIDS = 0.2
ANSWER_TIMEOUT = 10.0
RECOVERY_LIMIT = 30.0
REDIS_PAUSE_MS = 3000
# Refusals of a bid on its merits; any other error (or no answer) is a failure of the service.
SERVER_APPLICATION = "tokshop-fault-server"
ON_ITS_MERITS = {"too_low", "rate_limited", "max_below_price", "confirm_required"}


# --- processes -------------------------------------------------------------------------------------
class DedicatedRedis:
    """A redis-server of this test alone, without persistence: a restart loses every key."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        with (LOGS / f"redis-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def pause(self, milliseconds: int) -> None:
        client = redis.Redis.from_url(self.url)
        client.execute_command("CLIENT", "PAUSE", milliseconds, "ALL")
        client.close()


@contextmanager
def dedicated_redis() -> Iterator[DedicatedRedis]:
    server = DedicatedRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def web_servers(count: int, redis_url: str) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Production server processes (uvicorn), started together, on the test database and the
    dedicated Redis; yields each one's address and process."""
    # libpq names the servers' database sessions, so the test can end theirs and only theirs.
    env = process_environment(REDIS_URL=redis_url, PGAPPNAME=SERVER_APPLICATION)
    with ExitStack() as stack:
        servers = []
        for n in range(count):
            port = free_port()
            process = stack.enter_context(running(web_command(BIN, "127.0.0.1", port), name=f"fault-{n}", env=env))
            servers.append((f"127.0.0.1:{port}", process))
        for n, (address, process) in enumerate(servers):
            wait_serving(address, process, f"fault-{n}", timeout=60)
        yield servers


# --- bidders -------------------------------------------------------------------------------------------
@dataclass
class Attempt:
    bidder: int
    ref: str
    sent: float
    answered: float = 0.0
    outcome: str = ""  # "accepted", "refused" (on its merits) or "error"
    code: str = ""
    seq: int = 0


@dataclass
class Storm:
    auction_id: int
    show_id: int
    sessions: list[str]
    user_ids: list[int]
    servers: list[str]
    alive: set[str]
    started: float = field(default_factory=time.time)
    attempts: list[Attempt] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def amount(self) -> int:
        # Amounts rise with time: a bid sent later bids more, so most are accepted.
        return 1000 + int((time.time() - self.started) * 10_000) + random.randrange(10)

    async def bidder(self, index: int) -> None:
        server = self.servers[index % len(self.servers)]
        socket: Any = None
        count = 0
        while not self.stop.is_set():
            attempt: Attempt | None = None
            try:
                if socket is None:
                    socket = await websockets.connect(
                        f"ws://{server}/ws/shows/{self.show_id}/",
                        origin=f"http://{server}",  # type: ignore[arg-type]
                        additional_headers={"Cookie": f"sessionid={self.sessions[index]}"},
                        open_timeout=ANSWER_TIMEOUT,
                        close_timeout=1,
                    )
                    await asyncio.wait_for(socket.recv(), ANSWER_TIMEOUT)  # the snapshot
                count += 1
                attempt = Attempt(index, f"f{index}-{count}", time.time())
                self.attempts.append(attempt)
                await socket.send(
                    json.dumps(
                        {
                            "type": "bid.place",
                            "ref": attempt.ref,
                            "auction_id": self.auction_id,
                            "amount_cents": self.amount(),
                            "confirm": True,
                        }
                    )
                )
                await asyncio.wait_for(self.answer(socket, attempt), ANSWER_TIMEOUT)
            except (OSError, TimeoutError, websockets.WebSocketException) as error:
                if attempt is None:
                    attempt = Attempt(index, "", time.time())
                    self.attempts.append(attempt)
                attempt.answered, attempt.outcome, attempt.code = time.time(), "error", type(error).__name__
                if socket is not None:
                    await socket.close()
                socket = None
                # Back to a server still running, the other one if there is a choice.
                others = sorted(self.alive - {server}) or sorted(self.alive)
                server = others[index % len(others)]
            await asyncio.sleep(PAUSE_BETWEEN_BIDS)
        if socket is not None:
            await socket.close()

    @staticmethod
    async def answer(socket: Any, attempt: Attempt) -> None:
        while True:
            frame = json.loads(await socket.recv())
            if frame.get("ref") != attempt.ref or frame["type"] not in ("bid.accepted", "error"):
                continue
            attempt.answered = time.time()
            if frame["type"] == "bid.accepted":
                attempt.outcome, attempt.seq = "accepted", frame["bid_count"]
            else:
                attempt.code = frame["code"]
                attempt.outcome = "refused" if frame["code"] in ON_ITS_MERITS else "error"
            return

    async def recovered_after(self, moment: float) -> float:
        """When every bidder had a bid sent after `moment` answered (accepted or refused on its
        merits): the end of a fault's window."""
        deadline = moment + RECOVERY_LIMIT
        while time.time() < deadline:
            firsts = {}
            for a in self.attempts:
                if a.sent > moment and a.outcome in ("accepted", "refused") and a.bidder not in firsts:
                    firsts[a.bidder] = a.answered
            if len(firsts) == len(self.sessions):
                return max(firsts.values())
            await asyncio.sleep(0.1)
        raise AssertionError(f"bidders not answered again within {RECOVERY_LIMIT:.0f} s of the fault")


@database_sync_to_async
def hot_auction() -> tuple[int, int, list[str], list[int]]:
    show = cast(Show, ShowFactory(live=True))
    product = cast(LineupItem, LineupItemFactory(show=show, product__quantity_on_hand=5)).product
    # One-cent steps: bids keep being accepted as the amounts rise.
    SellerAuctionDefaults.objects.create(seller=show.seller, increments=[[0, 1]])
    auction = auction_create(
        actor=show.seller,
        show_id=show.pk,
        product_id=product.pk,
        data={"starting_cents": 100, "duration_seconds": 300, "mode": "sudden_death"},
        open_now=True,
    )
    sessions, user_ids = [], []
    for _ in range(BIDDERS):
        user = cast(User, UserFactory())
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
        user_ids.append(user.pk)
    return auction.pk, show.pk, sessions, user_ids


@database_sync_to_async
def terminate_server_connections() -> int:
    """End every PostgreSQL session the servers hold on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [SERVER_APPLICATION],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@database_sync_to_async
def stored_bids(auction_id: int) -> list[tuple[int, int, str]]:
    return list(Bid.objects.filter(auction_id=auction_id).values_list("seq", "bidder_id", "client_ref"))


async def test_r15_no_acknowledged_bid_is_lost_to_a_killed_server_a_paused_or_restarted_redis_or_lost_connections():
    auction_id, show_id, sessions, user_ids = await hot_auction()
    windows: list[tuple[str, float, float]] = []
    with ExitStack() as stack:
        cache = stack.enter_context(dedicated_redis())
        (first, first_process), (second, _) = stack.enter_context(web_servers(2, cache.url))
        storm = Storm(auction_id, show_id, sessions, user_ids, [first, second], {first, second})
        bidders = [asyncio.create_task(storm.bidder(i)) for i in range(BIDDERS)]

        async def fault(name: str, begin: float, end: float) -> None:
            recovered = await storm.recovered_after(end)
            windows.append((name, begin, recovered))
            assert recovered - end < RECOVERY_LIMIT, name

        await storm.recovered_after(storm.started)
        await asyncio.sleep(1.0)

        begin = time.time()
        storm.alive.discard(first)
        os.kill(first_process.pid, signal.SIGKILL)
        await fault("server killed", begin, time.time())
        await asyncio.sleep(1.0)

        begin = time.time()
        await asyncio.to_thread(cache.pause, REDIS_PAUSE_MS)
        await fault("redis paused", begin, begin + REDIS_PAUSE_MS / 1000)
        await asyncio.sleep(1.0)

        begin = time.time()
        await asyncio.to_thread(cache.kill)
        await asyncio.to_thread(cache.start)
        await fault("redis restarted empty", begin, time.time())
        await asyncio.sleep(1.0)

        begin = time.time()
        assert await terminate_server_connections() > 0
        await fault("postgresql connections terminated", begin, time.time())
        await asyncio.sleep(1.0)

        storm.stop.set()
        await asyncio.gather(*bidders)

    attempts = storm.attempts
    accepted = [a for a in attempts if a.outcome == "accepted"]
    stored = {seq: (bidder, ref) for seq, bidder, ref in await stored_bids(auction_id)}
    missing = [a for a in accepted if stored.get(a.seq) != (user_ids[a.bidder], a.ref)]
    assert not missing, f"acknowledged bids not stored as themselves: {missing[:5]}"
    assert len(stored) == len(await stored_bids(auction_id))
    assert not [seq for seq, n in Counter(a.seq for a in accepted).items() if n > 1]
    # Errors only inside a fault's window: met after the fault began, by a bid sent before every
    # bidder was answered again.
    outside = [
        a
        for a in attempts
        if a.outcome == "error" and not any(a.answered >= begin and a.sent <= end for _, begin, end in windows)
    ]
    assert not outside, f"errors outside the faults' windows: {outside[:5]}"
    # The storm went on through every fault: bids were accepted after each one.
    for name, _begin, end in windows:
        assert any(a.sent > end for a in accepted), f"nothing accepted after {name}"
    assert all(a.outcome for a in attempts)
