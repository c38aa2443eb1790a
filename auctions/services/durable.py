"""Making accepted bids durable in PostgreSQL before anyone is told of them.

The engine decides a bid in well under a millisecond; a database commit costs about one. So the
bids a server process accepts are written in batches: each bid waits for the batch it joined to
commit (group commit), and a busy auction pays one commit for many bids instead of one each.

Every batch holds a shared advisory lock on its auctions; reloading an auction's state from the
database takes it exclusively, so a reload never reads past a batch still being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# One batch's bids at most: a statement of this size is still a few milliseconds.
BATCH_LIMIT = 500
# The namespace of the auctions' advisory locks (the second key is the auction's id).
LOCK_NAMESPACE = 0x41554354


INSERT_BIDS = (
    "INSERT INTO auctions_bid (auction_id, seq, bidder_id, max_cents, price_cents, leader_id, client_ref,"
    " received_at, ends_at, is_buy_now, source) VALUES {placeholders}"
    " ON CONFLICT DO NOTHING RETURNING auction_id, seq"
)

# PostgreSQL stores a batch in one statement, so a batch costs one round trip and no explicit
# transaction: the shared locks first (the scalar subquery runs before any row is inserted), the
# bids, then each auction's row brought up to the latest bid stored. The bids travel as one JSON
# parameter whatever their number, and times as epoch milliseconds, turned into timestamps exactly.
STORE_BIDS = """
WITH locked AS (
    SELECT pg_advisory_xact_lock_shared(%s::integer, id) FROM unnest(%s::integer[]) AS id
),
bid AS (
    SELECT * FROM jsonb_to_recordset(%s::jsonb) AS bid(
        auction_id bigint, seq integer, bidder_id bigint, max_cents integer, price_cents integer,
        leader_id bigint, client_ref text, received_ms bigint, ends_ms bigint, is_buy_now boolean,
        source text, extensions integer
    )
),
stored AS (
    INSERT INTO auctions_bid (auction_id, seq, bidder_id, max_cents, price_cents, leader_id, client_ref,
        received_at, ends_at, is_buy_now, source)
    SELECT auction_id, seq, bidder_id, max_cents, price_cents, leader_id, client_ref,
        timestamptz 'epoch' + received_ms * interval '1 millisecond',
        timestamptz 'epoch' + nullif(ends_ms, 0) * interval '1 millisecond',
        is_buy_now, source
    FROM bid WHERE (SELECT count(*) FROM locked) >= 0
    ON CONFLICT DO NOTHING
    RETURNING auction_id, seq
),
latest AS (
    SELECT DISTINCT ON (bid.auction_id) bid.*
    FROM bid JOIN stored USING (auction_id, seq)
    ORDER BY bid.auction_id, bid.seq DESC
),
moved AS (
    UPDATE auctions_auction AS auction
    SET price_cents = latest.price_cents, leader_id = latest.leader_id, bid_count = latest.seq,
        ends_at = timestamptz 'epoch' + nullif(latest.ends_ms, 0) * interval '1 millisecond',
        extensions = latest.extensions
    FROM latest WHERE auction.id = latest.auction_id AND auction.bid_count < latest.seq
)
SELECT auction_id, seq FROM stored
"""

# Of bids the store left out, those stored before as themselves (a repeated write of the same bid).
STORED_BEFORE = """
SELECT auction_id, seq FROM auctions_bid
JOIN jsonb_to_recordset(%s::jsonb) AS bid(auction_id bigint, seq integer, bidder_id bigint, client_ref text)
USING (auction_id, seq, bidder_id, client_ref)
"""


@dataclass(frozen=True)
class BidRecord:
    auction_id: int
    seq: int
    bidder: int
    max_cents: int
    price_cents: int
    leader: int
    ref: str
    received_ms: int
    ends_ms: int
    extensions: int
    is_buy_now: bool
    source: str


def ms_to_datetime(ms: int) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else None


def auction_lock_exclusive(auction_id: int) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, auction_id])


def _store_params(records: list[BidRecord]) -> list[Any]:
    bids = [
        {
            "auction_id": r.auction_id,
            "seq": r.seq,
            "bidder_id": r.bidder,
            "max_cents": r.max_cents,
            "price_cents": r.price_cents,
            "leader_id": r.leader,
            "client_ref": r.ref,
            "received_ms": r.received_ms,
            "ends_ms": r.ends_ms,
            "is_buy_now": r.is_buy_now,
            "source": r.source,
            "extensions": r.extensions,
        }
        for r in records
    ]
    return [LOCK_NAMESPACE, sorted({r.auction_id for r in records}), json.dumps(bids)]


def _left_out(records: list[BidRecord], stored: set[tuple[int, int]]) -> list[Any]:
    """STORED_BEFORE's parameters for the bids not in `stored`, or none when every bid is."""
    missed = [
        {"auction_id": r.auction_id, "seq": r.seq, "bidder_id": r.bidder, "client_ref": r.ref}
        for r in records
        if (r.auction_id, r.seq) not in stored
    ]
    return [json.dumps(missed)] if missed else []


def _keys(rows: list[tuple[Any, ...]]) -> set[tuple[int, int]]:
    return {(int(auction_id), int(seq)) for auction_id, seq in rows}


def bids_persist(records: list[BidRecord]) -> set[tuple[int, int]]:
    """Store the bids and bring their auctions' rows up to the latest of them, all or nothing.

    Returns the (auction, seq) of the bids now stored as themselves. A bid whose number is already
    taken by another bid is left out: the engine's state was reloaded meanwhile and numbered it
    again, so that bid is not confirmed to its bidder (who may place it again).
    """
    if not records:
        return set()
    if connection.vendor != "postgresql":
        return _bids_persist_portable(records)
    with connection.cursor() as cursor:
        cursor.execute(STORE_BIDS, _store_params(records))
        stored = _keys(cursor.fetchall())
        if left_out := _left_out(records, stored):
            cursor.execute(STORED_BEFORE, left_out)
            stored |= _keys(cursor.fetchall())
    return stored


async def bids_persist_async(db: psycopg.AsyncConnection[Any], records: list[BidRecord]) -> set[tuple[int, int]]:
    """`bids_persist` on PostgreSQL from the event loop, on a connection in autocommit."""
    async with db.cursor() as cursor:
        await cursor.execute(STORE_BIDS, _store_params(records))
        stored = _keys(await cursor.fetchall())
        if left_out := _left_out(records, stored):
            await cursor.execute(STORED_BEFORE, left_out)
            stored |= _keys(await cursor.fetchall())
    return stored


def _bids_persist_portable(records: list[BidRecord]) -> set[tuple[int, int]]:
    """The embedded database's way (SQLite has no data-modifying WITH): one process writes there."""
    with transaction.atomic(), connection.cursor() as cursor:
        rows = [
            (
                r.auction_id,
                r.seq,
                r.bidder,
                r.max_cents,
                r.price_cents,
                r.leader,
                r.ref,
                ms_to_datetime(r.received_ms),
                ms_to_datetime(r.ends_ms),
                r.is_buy_now,
                r.source,
            )
            for r in records
        ]
        # Only placeholders are formatted into the statement; every value is a parameter.
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        statement = INSERT_BIDS.format(placeholders=placeholders)
        cursor.execute(statement, [value for row in rows for value in row])
        stored = _keys(cursor.fetchall())
        for r in records:
            if (r.auction_id, r.seq) in stored:
                continue
            cursor.execute(
                "SELECT 1 FROM auctions_bid WHERE auction_id = %s AND seq = %s AND bidder_id = %s AND client_ref = %s",
                [r.auction_id, r.seq, r.bidder, r.ref],
            )
            if cursor.fetchone():
                stored.add((r.auction_id, r.seq))
        latest: dict[int, BidRecord] = {}
        for r in records:
            if (r.auction_id, r.seq) in stored and (r.auction_id not in latest or r.seq > latest[r.auction_id].seq):
                latest[r.auction_id] = r
        for r in latest.values():
            cursor.execute(
                "UPDATE auctions_auction SET price_cents = %s, leader_id = %s, bid_count = %s, ends_at = %s,"
                " extensions = %s WHERE id = %s AND bid_count < %s",
                [r.price_cents, r.leader, r.seq, ms_to_datetime(r.ends_ms), r.extensions, r.auction_id, r.seq],
            )
    return stored


def _persist_batch(records: list[BidRecord]) -> set[tuple[int, int]]:
    try:
        return bids_persist(records)
    finally:
        # Back to the pool between batches: a writer idle after a burst holds no connection.
        connection.close()


# The embedded database's batches are written one after another, so one thread is all they need.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bid-writer")


class BidWriter:
    """Group commit for one event loop: bids queue up while the previous batch is stored.

    On PostgreSQL the writer stores from the loop itself, on a connection of its own: a thread
    would wait for the interpreter's lock at each round trip while the loop writes to a big room,
    which took a batch from under 2 ms to about 30.
    """

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[BidRecord, asyncio.Future[bool]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.db: psycopg.AsyncConnection[Any] | None = None

    async def persist(self, record: BidRecord) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((record, future))
        if self.task is None or self.task.done():
            # The writer runs while there is something to write, so no task outlives its loop.
            self.task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while not self.queue.empty():
            batch = [self.queue.get_nowait() for _ in range(min(self.queue.qsize(), BATCH_LIMIT))]
            try:
                stored = await self._store([record for record, _ in batch])
            except Exception as error:
                logger.exception("writing %d bids failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for record, future in batch:
                if not future.done():
                    future.set_result((record.auction_id, record.seq) in stored)

    async def _store(self, records: list[BidRecord]) -> set[tuple[int, int]]:
        if connection.vendor != "postgresql":
            return await asyncio.get_running_loop().run_in_executor(_executor, _persist_batch, records)
        reused = self.db is not None and not self.db.closed
        try:
            return await bids_persist_async(await self._connection(), records)
        except psycopg.OperationalError:
            await self.close()
            if not reused:
                raise
        # A connection kept from an earlier batch may have been cut meanwhile (the database
        # restarted, say); storing a batch twice stores it once, so it is tried once more afresh.
        return await bids_persist_async(await self._connection(), records)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self.db is None or self.db.closed:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            self.db = await psycopg.AsyncConnection.connect(**params, autocommit=True)
        return self.db

    async def close(self) -> None:
        """Close the writer's connection (the next batch opens another)."""
        if self.db is not None:
            db, self.db = self.db, None
            with contextlib.suppress(psycopg.Error):
                await db.close()


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BidWriter] = weakref.WeakKeyDictionary()


def bid_writer() -> BidWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = BidWriter()
    return writer


async def close_bid_writer() -> None:
    """Close this event loop's writer's connection (between tests; a server's goes with its process)."""
    writer = _writers.pop(asyncio.get_running_loop(), None)
    if writer is not None:
        await writer.close()
