"""Making accepted bids durable in PostgreSQL before anyone is told of them.

The engine decides a bid in well under a millisecond; a database commit costs about one. So the
bids a server process accepts are written in batches: each bid waits for the batch it joined to
commit (group commit), and a busy auction pays one commit for many bids instead of one each.

Every batch holds a shared advisory lock on its auctions; reloading an auction's state from the
database takes it exclusively, so a reload never reads past a batch still being written.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

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


def auction_lock_shared(auction_ids: list[int]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for auction_id in sorted(set(auction_ids)):
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [LOCK_NAMESPACE, auction_id])


def auction_lock_exclusive(auction_id: int) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, auction_id])


def bids_persist(records: list[BidRecord]) -> set[tuple[int, int]]:
    """Store the bids and bring their auctions' rows up to the latest of them, in one transaction.

    Returns the (auction, seq) of the bids now stored as themselves. A bid whose number is already
    taken by another bid is left out: the engine's state was reloaded meanwhile and numbered it
    again, so that bid is not confirmed to its bidder (who may place it again).
    """
    if not records:
        return set()
    with transaction.atomic(), connection.cursor() as cursor:
        auction_lock_shared([record.auction_id for record in records])
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
        stored = {(int(a), int(s)) for a, s in cursor.fetchall()}
        missed = [r for r in records if (r.auction_id, r.seq) not in stored]
        for r in missed:
            # Stored before (a repeated write of the same bid) counts; another bid under its number does not.
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


# Batches are written one after another, so one thread is all the writing needs.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bid-writer")


class BidWriter:
    """Group commit for one event loop: bids queue up while the previous batch commits."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[BidRecord, asyncio.Future[bool]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

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
                records = [record for record, _ in batch]
                stored = await asyncio.get_running_loop().run_in_executor(_executor, _persist_batch, records)
            except Exception as error:
                logger.exception("writing %d bids failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for record, future in batch:
                if not future.done():
                    future.set_result((record.auction_id, record.seq) in stored)


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BidWriter] = weakref.WeakKeyDictionary()


def bid_writer() -> BidWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = BidWriter()
    return writer
