"""R11: an auction closes exactly once, by itself, with or without viewers.

With `AUCTION_CLOCK=celery` and a real worker process, auctions of 5 s close on their own, one of
them after a late bid moved its end. Closes raced from several threads, and the sweep behind lost
clock tasks run from several threads at once, close each auction once.
"""

import asyncio
import json
import socket
import time
import uuid
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from django.conf import settings as django_settings

from shows.tests.factories import LineupItemFactory, ShowFactory
from shows.tests.sockets import joined, receive_type
from tests.concurrency import at_once
from tests.processes import BIN, process_environment, running
from tokshop.celery import app as celery_app
from tokshop.realtime import watermark
from tokshop.realtime.groups import show_group
from tokshop.realtime.streams import RedisBackend, backend
from tokshop.users.tests.factories import UserFactory

from ..clock import IN_FLIGHT_MS
from ..engine import engine
from ..models import Auction, AuctionEvent, AuctionEventKind, AuctionOutcome, AuctionStatus
from ..services import auctions as lifecycle
from ..services.bidding import bid_place_sync, bid_request
from ..signals import auction_closed
from ..tasks import auctions_close_overdue_task

pytestmark = pytest.mark.django_db(transaction=True)


def auction_open(*, ended_ms_ago: int | None = None, **data: Any) -> Auction:
    """An auction opened now, or opened long enough ago that its end passed `ended_ms_ago` ms ago."""
    show = ShowFactory.create(live=True)
    product = LineupItemFactory.create(show=show).product
    real_now = lifecycle.now_ms
    if ended_ms_ago is not None:
        opened = real_now() - data.get("duration_seconds", 20) * 1000 - ended_ms_ago
        lifecycle.now_ms = lambda: opened
    try:
        return lifecycle.auction_create(
            actor=show.seller, show_id=show.pk, product_id=product.pk, data=data, open_now=True
        )
    finally:
        lifecycle.now_ms = real_now


def bid(user: Any, auction: Auction, amount: int, ref: str, *, received_ms: int | None = None) -> None:
    bid_place_sync(
        bid_request(
            user_id=user.pk,
            auction_id=auction.pk,
            amount=amount,
            ref=ref,
            received_ms=lifecycle.now_ms() if received_ms is None else received_ms,
            confirm=True,
            source="api",
        )
    )


def in_time(auction: Auction) -> int:
    """A receipt a second before the auction's (past) end: a bid that came in time (with sudden
    death, so it leaves the end where it was)."""
    live = engine().live(auction.pk)
    assert live is not None
    return live.ends_at - 1_000


def closes_recorded(auction_id: int) -> int:
    return AuctionEvent.objects.filter(auction_id=auction_id, kind=AuctionEventKind.CLOSED).count()


def published(show_id: int, type_: str) -> int:
    """How many `type_` events the show's stream carries (what every viewer is sent)."""
    store = backend()
    assert isinstance(store, RedisBackend)
    with redis.Redis.from_url(django_settings.REDIS_URL, decode_responses=True) as client:
        entries = client.xrange(store.keys(show_group(show_id))[1])
    return sum(json.loads(fields["m"])["type"] == type_ for _id, fields in entries)


@pytest.fixture
def closed_signals():
    received: list[int] = []

    def receiver(sender: Any, auction_id: int, **kwargs: Any) -> None:
        received.append(auction_id)

    auction_closed.connect(receiver, weak=False)
    yield received
    auction_closed.disconnect(receiver)


def test_r11_concurrent_closes_close_once(closed_signals):
    auction = auction_open(ended_ms_ago=IN_FLIGHT_MS + 10, duration_seconds=5, mode="sudden_death")
    bid(UserFactory(), auction, 700, "a-1", received_ms=in_time(auction))
    assert engine().live(auction.pk).status == AuctionStatus.OPEN

    results = at_once([lambda: lifecycle.auction_close_due(auction_id=auction.pk)] * 8)

    assert sorted(results) == [False] * 7 + [True]
    auction.refresh_from_db()
    assert (auction.status, auction.outcome, auction.price_cents) == (AuctionStatus.CLOSED, AuctionOutcome.SOLD, 100)
    assert closes_recorded(auction.pk) == 1
    assert closed_signals == [auction.pk]
    assert published(auction.show_id, "auction.closed") == 1


def test_r11_a_close_before_the_end_does_nothing_and_sets_the_clock_again(closed_signals):
    auction = auction_open(duration_seconds=60)

    assert lifecycle.auction_close_due(auction_id=auction.pk) is False

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.OPEN
    assert engine().live(auction.pk).status == AuctionStatus.OPEN
    assert closes_recorded(auction.pk) == 0
    assert closed_signals == []


def test_r11_the_close_waits_for_bids_read_before_the_end_that_are_still_on_their_way(closed_signals):
    auction = auction_open(ended_ms_ago=10, duration_seconds=5, mode="sudden_death")

    assert lifecycle.auction_close_due(auction_id=auction.pk) is False
    assert lifecycle.auctions_close_overdue() == 0
    # Read before the end, reaching the engine after it: judged on its merits.
    bid(UserFactory(), auction, 700, "a-1", received_ms=in_time(auction))
    assert engine().live(auction.pk).status == AuctionStatus.OPEN
    time.sleep(IN_FLIGHT_MS / 1000)

    assert lifecycle.auction_close_due(auction_id=auction.pk) is True
    auction.refresh_from_db()
    assert (auction.status, auction.outcome, auction.price_cents) == (AuctionStatus.CLOSED, AuctionOutcome.SOLD, 100)
    assert closed_signals == [auction.pk]


def test_r11_the_close_waits_for_a_server_process_still_handling_bids_it_read_before_the_end(closed_signals):
    auction = auction_open(ended_ms_ago=IN_FLIGHT_MS + 10, duration_seconds=5, mode="sudden_death")
    store = backend()
    assert isinstance(store, RedisBackend)
    # A process in a bid storm: a bid it read before the end is still queued behind the others.
    read_at = in_time(auction)
    watermark.report(store, "web-1:10", read_at)

    def backlog_handled():
        time.sleep(0.2)
        status = engine().live(auction.pk).status
        bid(UserFactory(), auction, 700, "a-1", received_ms=read_at)
        watermark.report(store, "web-1:10", watermark.server_time_ms())
        return status

    closed, status_meanwhile = at_once([lambda: lifecycle.auction_close_due(auction_id=auction.pk), backlog_handled])

    assert (closed, status_meanwhile) == (True, AuctionStatus.OPEN)
    auction.refresh_from_db()
    assert (auction.status, auction.outcome, auction.price_cents) == (AuctionStatus.CLOSED, AuctionOutcome.SOLD, 100)
    assert closed_signals == [auction.pk]


def test_r11_the_sweep_closes_every_overdue_auction_once_from_any_number_of_workers(closed_signals):
    sold = auction_open(ended_ms_ago=IN_FLIGHT_MS + 10, duration_seconds=5, mode="sudden_death")
    bid(UserFactory(), sold, 900, "a-1", received_ms=in_time(sold))
    unsold = auction_open(ended_ms_ago=10_000, duration_seconds=5)
    # Its live state is gone (Redis restarted): the sweep rebuilds it from PostgreSQL first.
    reloaded = auction_open(ended_ms_ago=IN_FLIGHT_MS + 10, duration_seconds=5, mode="sudden_death")
    bid(UserFactory(), reloaded, 600, "b-1", received_ms=in_time(reloaded))
    engine().forget(reloaded.pk)
    running_ = auction_open(duration_seconds=60)

    counts = at_once([lifecycle.auctions_close_overdue] * 4)

    assert sum(counts) == 3
    assert auctions_close_overdue_task() == 0
    outcomes = {
        a.pk: (a.status, a.outcome, a.price_cents)
        for a in Auction.objects.filter(pk__in=[sold.pk, unsold.pk, reloaded.pk, running_.pk])
    }
    assert outcomes == {
        sold.pk: (AuctionStatus.CLOSED, AuctionOutcome.SOLD, 100),
        unsold.pk: (AuctionStatus.CLOSED, AuctionOutcome.NO_BIDS, 0),
        reloaded.pk: (AuctionStatus.CLOSED, AuctionOutcome.SOLD, 100),
        running_.pk: (AuctionStatus.OPEN, AuctionOutcome.NONE, 0),
    }
    for auction in (sold, unsold, reloaded):
        assert closes_recorded(auction.pk) == 1
        assert published(auction.show_id, "auction.closed") == 1
    assert closes_recorded(running_.pk) == 0
    assert sorted(closed_signals) == sorted([sold.pk, unsold.pk, reloaded.pk])


@pytest.fixture
def auction_worker(settings):
    """A real Celery worker on a queue of its own, and this process's auction clock set to Celery."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}@{socket.gethostname()}"
    args = [str(BIN / "celery"), "-A", "tokshop", "worker", "--pool=solo", "-Q", queue, "-n", hostname, "-l", "warning"]
    env = process_environment(AUCTION_CLOCK="celery", CELERY_TASK_ALWAYS_EAGER="false", CELERY_TASK_DEFAULT_QUEUE=queue)
    with running(args, name="celery-auction-worker", env=env) as process:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            assert process.poll() is None, "the worker exited; see test-artifacts/celery-auction-worker.log"
            assert time.monotonic() < deadline, "the worker did not answer a ping within 30 s"
        settings.AUCTION_CLOCK = "celery"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.task_always_eager = False
        default_queue = celery_app.conf.task_default_queue
        celery_app.conf.task_default_queue = queue
        try:
            yield
        finally:
            celery_app.conf.task_always_eager = True
            celery_app.conf.task_default_queue = default_queue


@database_sync_to_async
def status_of(auction_id: int) -> str:
    return Auction.objects.get(pk=auction_id).status


@pytest.mark.usefixtures("auction_worker", "loop_cleanup")
async def test_r11_auctions_close_by_themselves_once_with_and_without_viewers_and_after_a_late_bid():
    unwatched = await database_sync_to_async(auction_open)(duration_seconds=5)
    watched = await database_sync_to_async(auction_open)(duration_seconds=5, window_seconds=5)
    show = await database_sync_to_async(lambda: watched.show)()
    viewer, _ = await joined(show, await database_sync_to_async(UserFactory)())
    first_end = engine().live(watched.pk).ends_at

    # A bid with a second left moves the end: the task due at the first end must find it moved.
    await asyncio.sleep(max(0.0, (first_end - 1_000 - lifecycle.now_ms()) / 1000))
    await database_sync_to_async(bid)(await database_sync_to_async(UserFactory)(), watched, 800, "late")
    moved_end = engine().live(watched.pk).ends_at
    assert moved_end > first_end

    closed = await receive_type(viewer, "auction.closed", wait=30)
    assert (closed["auction_id"], closed["outcome"], closed["price_cents"]) == (watched.pk, "sold", 100)
    assert closed["ends_at"] == moved_end
    deadline = time.monotonic() + 30
    while await status_of(unwatched.pk) != AuctionStatus.CLOSED:
        assert time.monotonic() < deadline, "the worker did not close the auction nobody watched"
        await asyncio.sleep(0.2)

    # Another close, however late, changes nothing.
    assert not await database_sync_to_async(lifecycle.auction_close_due)(auction_id=watched.pk)
    more = []
    while not await viewer.receive_nothing(timeout=0.5):
        more.append((await viewer.receive_json_from())["type"])
    assert "auction.closed" not in more
    for auction, outcome in ((unwatched, AuctionOutcome.NO_BIDS), (watched, AuctionOutcome.SOLD)):
        row = await database_sync_to_async(Auction.objects.get)(pk=auction.pk)
        assert (row.status, row.outcome) == (AuctionStatus.CLOSED, outcome)
        assert await database_sync_to_async(closes_recorded)(auction.pk) == 1
        assert await database_sync_to_async(published)(auction.show_id, "auction.closed") == 1
    await viewer.disconnect()
