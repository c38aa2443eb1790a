"""The bid engine: where each auction's bids are decided, one at a time.

With Redis (every deployment but the embedded default) the rules run as Lua scripts
(`engine_lua.py`), so every server process shares one decision point per auction that decides
thousands of bids a second without a database lock. The embedded default runs the same rules
(`rules.py`) in this process's memory, under a lock: it serves one process only.

The engine holds an auction's live state while it runs; PostgreSQL holds the durable copy (the
bids and the auction row). When the engine has no state for an auction (Redis restarted, or the
auction was made before), it is loaded from that copy (`auctions.services.bidding`).
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, cast

import redis
import redis.asyncio as aioredis
from django.conf import settings

from tokshop.realtime.streams import RedisBackend, backend

from . import engine_lua, rules
from .rules import CONFIRM_FACTOR, RATE_LIMIT_PER_SECOND, Outcome
from .services.durable import BidRecord

# An auction's engine state outlives its close by a day (late replays of a bid still get their answer).
KEY_TTL_SECONDS = 24 * 3600
MISSING = "missing"


@dataclass
class Loaded:
    """An auction's state as its durable copy has it, to load into the engine."""

    rules: rules.Rules
    status: str
    price: int
    leader: int
    count: int
    ends_at: int
    hard_stop: int
    extensions: int
    maxes: dict[int, int]
    refs: dict[tuple[int, str], Outcome] = field(default_factory=dict)
    bought_now: bool = False

    @property
    def leader_max(self) -> int:
        return self.maxes.get(self.leader, 0)

    @property
    def runner_max(self) -> int:
        return max((amount for bidder, amount in self.maxes.items() if bidder != self.leader), default=0)


@dataclass(frozen=True)
class Live:
    """What the room shows of an auction now."""

    status: str
    price: int
    leader: int
    count: int
    ends_at: int
    extensions: int
    bought_now: bool = False


class Engine(Protocol):
    async def bid(
        self, auction_id: int, *, bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str
    ) -> Outcome:
        """Decide one bid (`amount` 0: buy it now). The outcome's code is MISSING when the engine
        holds no state for the auction: load it and ask again."""

    def bid_sync(
        self, auction_id: int, *, bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str
    ) -> Outcome:
        """`bid` for callers without an event loop (the API's views)."""

    def load(self, auction_id: int, loaded: Loaded) -> bool:
        """Take an auction's state from its durable copy, unless the engine has it already."""

    def open(self, auction_id: int, *, now: int, duration_ms: int, hard_stop_after_ms: int) -> int | None:
        """Start the countdown; the end (ms), or None if the auction was not waiting to open."""

    def close(self, auction_id: int, *, now: int) -> bool:
        """End the auction if it is open and due; True for the one call that ended it."""

    def cancel(self, auction_id: int) -> bool: ...

    def live(self, auction_id: int) -> Live | None: ...

    def max_of(self, auction_id: int, bidder: int) -> int | None: ...

    def logged(self, auction_id: int) -> list[BidRecord]:
        """Every bid the engine accepted for the auction, as the writer stores them (empty when the
        engine's accepted bids are all stored before it answers, as in memory)."""

    def forget(self, auction_id: int) -> None:
        """Drop the auction's state (tests of the reload, and the end of a finished auction's life)."""


def _state_fields(loaded: Loaded) -> dict[str, str]:
    r = loaded.rules
    values: dict[str, Any] = {
        "status": loaded.status,
        "starting": r.starting,
        "incs": ",".join(f"{start}:{step}" for start, step in r.increments),
        "soft": int(r.soft_close),
        "window": r.window_ms,
        "maxext": r.max_extensions,
        "reserve": r.reserve,
        "bin": r.buy_now,
        "prebids": int(r.prebids),
        "price": loaded.price,
        "leader": loaded.leader,
        "lmax": loaded.leader_max,
        "rmax": loaded.runner_max,
        "count": loaded.count,
        "ends": loaded.ends_at,
        "hard": loaded.hard_stop,
        "ext": loaded.extensions,
        "bought": int(loaded.bought_now),
    }
    return {key: str(value) for key, value in values.items()}


def _outcome(raw: str | bytes) -> Outcome:
    data = json.loads(raw)
    return Outcome(
        code=data["code"],
        seq=int(data.get("seq", 0)),
        price=int(data.get("price", 0)),
        leader=int(data.get("leader", 0)),
        ends_at=int(data.get("ends_at", 0)),
        extended=bool(data.get("extended", False)),
        displaced=int(data.get("displaced", 0)),
        minimum=int(data.get("minimum", 0)),
        status=str(data.get("status", "")),
        extensions=int(data.get("extensions", 0)),
        replayed=bool(data.get("replayed", False)),
    )


def outcome_json(outcome: Outcome) -> str:
    fields = {k: v for k, v in outcome.__dict__.items() if k != "replayed"}
    return json.dumps(fields)


class RedisEngine:
    def __init__(self, url: str, *, prefix: str, max_connections: int) -> None:
        self.url = url
        self.prefix = prefix
        self.max_connections = max_connections
        self.client = redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                url, max_connections=max_connections, timeout=5, decode_responses=True
            )
        )
        self._open = self.client.register_script(engine_lua.OPEN)
        self._close = self.client.register_script(engine_lua.CLOSE)
        self._cancel = self.client.register_script(engine_lua.CANCEL)
        self._load = self.client.register_script(engine_lua.LOAD)
        self._bid = self.client.register_script(engine_lua.BID)
        # redis.asyncio clients belong to the event loop they were made on.
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    def keys(self, auction_id: int) -> list[str]:
        base = f"{self.prefix}:{{{auction_id}}}"
        return [base, f"{base}:max", f"{base}:refs", f"{base}:rate", f"{base}:log"]

    def _async_script(self) -> Any:
        loop = asyncio.get_running_loop()
        script = self._async.get(loop)
        if script is None:
            client = aioredis.Redis(
                connection_pool=aioredis.BlockingConnectionPool.from_url(
                    self.url, max_connections=self.max_connections, timeout=5, decode_responses=True
                )
            )
            script = client.register_script(engine_lua.BID)
            self._async[loop] = script
        return script

    @staticmethod
    def _bid_args(bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str) -> list[Any]:
        return [bidder, amount, ref, now, int(confirm), RATE_LIMIT_PER_SECOND, CONFIRM_FACTOR, source, KEY_TTL_SECONDS]

    async def bid(
        self, auction_id: int, *, bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str
    ) -> Outcome:
        args = self._bid_args(bidder, amount, ref, now, confirm, source)
        return _outcome(await self._async_script()(keys=self.keys(auction_id), args=args))

    def bid_sync(
        self, auction_id: int, *, bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str
    ) -> Outcome:
        args = self._bid_args(bidder, amount, ref, now, confirm, source)
        return _outcome(self._bid(keys=self.keys(auction_id), args=args))

    def load(self, auction_id: int, loaded: Loaded) -> bool:
        args: list[str | int] = [KEY_TTL_SECONDS]
        for key, value in _state_fields(loaded).items():
            args += [key, value]
        args.append("--")
        for bidder, amount in loaded.maxes.items():
            args += [bidder, amount]
        args.append("--")
        for (bidder, ref), outcome in loaded.refs.items():
            args += [f"{bidder}:{ref}", outcome_json(outcome)]
        return bool(self._load(keys=self.keys(auction_id)[:3], args=args))

    def open(self, auction_id: int, *, now: int, duration_ms: int, hard_stop_after_ms: int) -> int | None:
        ends = int(self._open(keys=self.keys(auction_id)[:1], args=[now, duration_ms, hard_stop_after_ms]))
        return ends or None

    def close(self, auction_id: int, *, now: int) -> bool:
        return bool(self._close(keys=self.keys(auction_id)[:1], args=[now]))

    def cancel(self, auction_id: int) -> bool:
        return bool(self._cancel(keys=self.keys(auction_id)[:1]))

    def live(self, auction_id: int) -> Live | None:
        h = cast(dict[str, str], self.client.hgetall(self.keys(auction_id)[0]))
        if not h:
            return None
        return Live(
            status=h["status"],
            price=int(h["price"]),
            leader=int(h["leader"]),
            count=int(h["count"]),
            ends_at=int(h["ends"]),
            extensions=int(h["ext"]),
            bought_now=h.get("bought") == "1",
        )

    def max_of(self, auction_id: int, bidder: int) -> int | None:
        value = self.client.hget(self.keys(auction_id)[1], str(bidder))
        return int(value) if value is not None else None

    def logged(self, auction_id: int) -> list[BidRecord]:
        entries = cast(list[tuple[str, dict[str, str]]], self.client.xrange(self.keys(auction_id)[4]))
        return [
            BidRecord(
                auction_id=auction_id,
                seq=int(f["seq"]),
                bidder=int(f["bidder"]),
                max_cents=int(f["max"]),
                price_cents=int(f["price"]),
                leader=int(f["leader"]),
                ref=f["ref"],
                received_ms=int(f["at"]),
                ends_ms=int(f["ends"]),
                extensions=int(f["ext"]),
                is_buy_now=f["buy_now"] == "1",
                source=f["source"],
            )
            for _id, f in entries
        ]

    def forget(self, auction_id: int) -> None:
        self.client.delete(*self.keys(auction_id))


class MemoryEngine:
    """The rules in this process's memory (the embedded default, and the tests' model)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[int, rules.State] = {}

    async def bid(
        self, auction_id: int, *, bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str
    ) -> Outcome:
        return self.bid_sync(auction_id, bidder=bidder, amount=amount, ref=ref, now=now, confirm=confirm, source=source)

    def bid_sync(
        self, auction_id: int, *, bidder: int, amount: int, ref: str, now: int, confirm: bool, source: str
    ) -> Outcome:
        with self._lock:
            state = self._states.get(auction_id)
            if state is None:
                return Outcome(MISSING)
            if amount == 0:
                return rules.buy_now(state, bidder=bidder, ref=ref, now=now)
            return rules.bid(state, bidder=bidder, amount=amount, ref=ref, now=now, confirm=confirm)

    def load(self, auction_id: int, loaded: Loaded) -> bool:
        with self._lock:
            if auction_id in self._states:
                return False
            self._states[auction_id] = rules.State(
                rules=loaded.rules,
                status=loaded.status,
                price=loaded.price,
                leader=loaded.leader,
                leader_max=loaded.leader_max,
                runner_max=loaded.runner_max,
                count=loaded.count,
                ends_at=loaded.ends_at,
                hard_stop=loaded.hard_stop,
                extensions=loaded.extensions,
                bought_now=loaded.bought_now,
                maxes=dict(loaded.maxes),
                refs=dict(loaded.refs),
            )
            return True

    def open(self, auction_id: int, *, now: int, duration_ms: int, hard_stop_after_ms: int) -> int | None:
        with self._lock:
            state = self._states.get(auction_id)
            if state is None or not rules.open_(
                state, now=now, duration_ms=duration_ms, hard_stop_after_ms=hard_stop_after_ms
            ):
                return None
            return state.ends_at

    def close(self, auction_id: int, *, now: int) -> bool:
        with self._lock:
            state = self._states.get(auction_id)
            return state is not None and rules.close(state, now=now)

    def cancel(self, auction_id: int) -> bool:
        with self._lock:
            state = self._states.get(auction_id)
            return state is not None and rules.cancel(state)

    def live(self, auction_id: int) -> Live | None:
        with self._lock:
            state = self._states.get(auction_id)
            if state is None:
                return None
            return Live(
                state.status,
                state.price,
                state.leader,
                state.count,
                state.ends_at,
                state.extensions,
                state.bought_now,
            )

    def max_of(self, auction_id: int, bidder: int) -> int | None:
        with self._lock:
            state = self._states.get(auction_id)
            return state.maxes.get(bidder) if state is not None else None

    def logged(self, auction_id: int) -> list[BidRecord]:
        return []

    def forget(self, auction_id: int) -> None:
        with self._lock:
            self._states.pop(auction_id, None)


@lru_cache(maxsize=1)
def engine() -> Engine:
    store = backend()
    if isinstance(store, RedisBackend) and not settings.EMBEDDED:
        return RedisEngine(
            store.url,
            prefix=f"{settings.REDIS_KEY_PREFIX}:auc",
            max_connections=settings.AUCTION_ENGINE_MAX_CONNECTIONS,
        )
    return MemoryEngine()
