"""Storing accepted bids: each way a batch is stored (PostgreSQL's one statement from a thread or
from the event loop, and the embedded database's statements, run here on PostgreSQL) stores the
same bids, brings each auction up to its latest stored bid, and tells which bids are stored."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from tokshop.users.tests.factories import UserFactory

from ..models import Auction, Bid
from ..services.durable import BidRecord, BidWriter, _bids_persist_portable, bids_persist
from .factories import AuctionFactory

pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1_790_000_000_123


def persist_from_the_loop(records: list[BidRecord]) -> set[tuple[int, int]]:
    async def run() -> set[tuple[int, int]]:
        writer = BidWriter()
        try:
            # Queued together, so the writer takes them as one batch.
            answers = await asyncio.gather(*(writer.persist(record) for record in records))
        finally:
            await writer.close()
        return {(r.auction_id, r.seq) for r, stored in zip(records, answers, strict=True) if stored}

    return async_to_sync(run)()


STORES = {"statement": bids_persist, "portable": _bids_persist_portable, "loop": persist_from_the_loop}


def record(auction: Auction, seq: int, bidder: int, max_cents: int, **fields: Any) -> BidRecord:
    values: dict[str, Any] = {
        "auction_id": auction.pk,
        "seq": seq,
        "bidder": bidder,
        "max_cents": max_cents,
        "price_cents": max_cents - 50,
        "leader": bidder,
        "ref": f"r{seq}-{bidder}",
        "received_ms": T0 + seq,
        "ends_ms": T0 + 20_000 + seq,
        "extensions": seq,
        "is_buy_now": False,
        "source": "room",
    }
    return BidRecord(**(values | fields))


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@pytest.mark.parametrize("store", STORES)
def test_a_batch_is_stored_and_brings_each_auction_up_to_its_latest_bid(store):
    first, second = AuctionFactory(), AuctionFactory()
    alice, bob = UserFactory().pk, UserFactory().pk
    batch = [
        record(first, 1, alice, 300),
        record(second, 1, bob, 900, ends_ms=0, is_buy_now=True),
        record(first, 3, alice, 700, ref="raise"),
        record(first, 2, bob, 500),
    ]

    stored = STORES[store](batch)

    assert stored == {(first.pk, 1), (first.pk, 2), (first.pk, 3), (second.pk, 1)}
    bids = {(b.auction_id, b.seq): b for b in Bid.objects.all()}
    assert len(bids) == 4
    raised = bids[(first.pk, 3)]
    assert (raised.bidder_id, raised.max_cents, raised.price_cents, raised.leader_id, raised.client_ref) == (
        alice,
        700,
        650,
        alice,
        "raise",
    )
    # Times stored to the millisecond, and an end of 0 (a purchase's, say) as none.
    assert (raised.received_at, raised.ends_at, raised.is_buy_now, raised.source) == (
        at(T0 + 3),
        at(T0 + 20_003),
        False,
        "room",
    )
    assert (bids[(second.pk, 1)].ends_at, bids[(second.pk, 1)].is_buy_now) == (None, True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.price_cents, first.leader_id, first.bid_count, first.ends_at, first.extensions) == (
        650,
        alice,
        3,
        at(T0 + 20_003),
        3,
    )
    assert (second.price_cents, second.leader_id, second.bid_count, second.ends_at) == (850, bob, 1, None)


@pytest.mark.parametrize("store", STORES)
def test_a_bid_stored_before_counts_and_another_bid_under_its_number_does_not(store):
    auction = AuctionFactory()
    alice, bob = UserFactory().pk, UserFactory().pk
    kept = [record(auction, 1, alice, 300), record(auction, 2, bob, 500)]
    assert bids_persist(kept) == {(auction.pk, 1), (auction.pk, 2)}

    # The same bid again, another bidder's bid under a number taken, and a new one.
    stored = STORES[store]([kept[0], record(auction, 2, alice, 800, ref="other"), record(auction, 3, bob, 900)])

    assert stored == {(auction.pk, 1), (auction.pk, 3)}
    assert [(b.seq, b.bidder_id, b.max_cents) for b in Bid.objects.order_by("seq")] == [
        (1, alice, 300),
        (2, bob, 500),
        (3, bob, 900),
    ]
    auction.refresh_from_db()
    assert (auction.bid_count, auction.price_cents, auction.leader_id) == (3, 850, bob)


def test_an_auction_row_never_goes_back_to_an_earlier_bid():
    auction = AuctionFactory()
    alice = UserFactory().pk
    bids_persist([record(auction, 2, alice, 500)])

    # A bid numbered before the latest stored one, written late (by the close's flush, say).
    assert bids_persist([record(auction, 1, alice, 300)]) == {(auction.pk, 1)}

    auction.refresh_from_db()
    assert (auction.bid_count, auction.price_cents) == (2, 450)


def test_the_writer_stores_on_a_fresh_connection_when_the_one_it_kept_was_cut():
    auction = AuctionFactory()
    alice = UserFactory().pk

    async def run() -> list[bool]:
        writer = BidWriter()
        try:
            first = await writer.persist(record(auction, 1, alice, 300))
            assert writer.db is not None
            pid = writer.db.info.backend_pid
            # As a database restart or an idle timeout would leave it.
            await asyncio.to_thread(terminate, pid)
            second = await writer.persist(record(auction, 2, alice, 500))
            assert writer.db.info.backend_pid != pid
        finally:
            await writer.close()
        return [first, second]

    def terminate(pid: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        connection.close()

    assert async_to_sync(run)() == [True, True]
    assert list(Bid.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
