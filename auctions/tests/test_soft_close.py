"""R10: soft close over 1,000 randomized timelines on the Redis engine, and the server's clock
deciding through the room's socket.

Times are the engine's parameters (milliseconds), so a timeline runs in no time: each bid's
receipt is drawn near the current end, exactly on it, past it, or a little before an earlier
receipt (a bid received first and decided second). After every bid the end must be exactly what
the rule says, computed here from the state before the bid.
"""

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async

from shows.tests.factories import LineupItemFactory, ShowFactory
from shows.tests.sockets import joined, make, receive_type
from tokshop.users.tests.factories import UserFactory

from .. import rules
from ..engine import Live, RedisEngine, engine
from ..increments import DEFAULT_INCREMENTS, increment_at
from ..models import Auction, Bid
from ..services import auctions as lifecycle
from .factories import engine_auction_made

T0 = 1_790_000_000_000
BIDDERS = [21, 22, 23, 24, 25]


def timeline(rng: random.Random, redis_engine: RedisEngine, auction_id: int, seen: Counter[str]) -> None:
    soft = rng.random() < 0.75
    auction = rules.Rules(
        starting=rng.choice([100, 500]),
        increments=DEFAULT_INCREMENTS,
        soft_close=soft,
        window_ms=rng.choice([5_000, 10_000, 20_000]),
        max_extensions=rng.randint(0, 6),
        reserve=rng.choice([0, 0, 3_000]),
    )
    engine_auction_made(auction_id, auction)
    duration, hard_after = rng.choice([5_000, 12_000, 30_000]), rng.choice([0, 4_000, 30_000, 120_000])
    first_end = redis_engine.open(auction_id, now=T0, duration_ms=duration, hard_stop_after_ms=hard_after)
    assert first_end == T0 + duration
    hard_stop = first_end + hard_after
    leader_max = 0
    now = T0
    before = redis_engine.live(auction_id)
    assert before is not None
    for step in range(rng.randint(4, 16)):
        draw = rng.random()
        if draw < 0.3:
            now = before.ends_at + rng.choice([-1, 0, 1, -rng.randint(1, auction.window_ms), rng.randint(1, 3_000)])
        elif draw < 0.9:
            now += rng.randint(0, 3_000)
        else:
            now = max(T0, now - rng.randint(1, 500))
        bidder = rng.choice(BIDDERS)
        if bidder == before.leader and rng.random() < 0.5:
            # The leader raising their own max moves the price only when it lifts it to the reserve.
            amount = leader_max + rng.randint(1, 2_000)
        elif rng.random() < 0.15:
            amount = max(1, before.price - rng.randint(0, 200))
        else:
            minimum = before.price + 100 if before.leader else auction.starting
            amount = minimum + rng.randint(0, 1_500)
        outcome = redis_engine.bid_sync(
            auction_id, bidder=bidder, amount=amount, ref=f"t{step}", now=now, confirm=True, source="room"
        )
        after = redis_engine.live(auction_id)
        assert after is not None
        if now >= before.ends_at:
            assert outcome.code == rules.ENDED
            assert after == before
            seen["late refused"] += 1
            continue
        if not outcome.accepted:
            assert after == before
            continue
        if after.leader == bidder:
            leader_max = amount
        price_changed = after.price != before.price
        extends = (
            soft
            and price_changed
            and before.ends_at - now < auction.window_ms
            and before.extensions < auction.max_extensions
            and min(now + auction.window_ms, hard_stop) > before.ends_at
        )
        if extends:
            assert after.ends_at == min(now + auction.window_ms, hard_stop)
            assert after.extensions == before.extensions + 1
            assert outcome.extended
            assert (outcome.ends_at, outcome.extensions) == (after.ends_at, after.extensions)
            seen["extended by the window" if after.ends_at == now + auction.window_ms else "held at the hard stop"] += 1
        else:
            assert (after.ends_at, after.extensions) == (before.ends_at, before.extensions)
            assert not outcome.extended
            if soft and price_changed and before.ends_at - now < auction.window_ms:
                seen["capped" if before.extensions >= auction.max_extensions else "at the hard stop"] += 1
            if not price_changed:
                seen["no price change, no extension"] += 1
        assert after.extensions <= auction.max_extensions
        assert after.ends_at <= hard_stop
        if not soft:
            assert after.ends_at == first_end
            seen["sudden death held"] += 1
        before = after
    final = redis_engine.live(auction_id)
    assert final is not None
    assert not redis_engine.close(auction_id, now=final.ends_at - 1)
    assert redis_engine.close(auction_id, now=final.ends_at)
    assert not redis_engine.close(auction_id, now=final.ends_at + 1)
    closed = redis_engine.live(auction_id)
    late = redis_engine.bid_sync(
        auction_id, bidder=BIDDERS[0], amount=10**6, ref="late", now=final.ends_at - 1, confirm=True, source="room"
    )
    assert late.code == rules.ENDED
    assert redis_engine.live(auction_id) == closed
    redis_engine.forget(auction_id)


def test_r10_soft_close_over_1000_randomized_timelines():
    redis_engine = engine()
    assert isinstance(redis_engine, RedisEngine)
    seen: Counter[str] = Counter()

    def run(n: int) -> Counter[str]:
        counts: Counter[str] = Counter()
        timeline(random.Random(20261207 + n), redis_engine, 800_000_000 + n, counts)
        return counts

    # Each timeline is its own auction; four at a time keep Redis busy while Python draws the next bid.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for counts in pool.map(run, range(1_000)):
            seen.update(counts)
    # Each rule was met many times, or the timelines prove nothing about it.
    for case in (
        "late refused",
        "extended by the window",
        "held at the hard stop",
        "capped",
        "at the hard stop",
        "no price change, no extension",
        "sudden death held",
    ):
        assert seen[case] >= 20, (case, seen)


@database_sync_to_async
def open_auction(*, ended_ms_ago: int = 0, **data):
    """A live show's auction opened now, or opened so long ago that its end passed `ended_ms_ago`
    ms before now by the server's clock (nothing has closed it: the tests' clock is manual)."""
    show = ShowFactory.create(live=True)
    product = LineupItemFactory.create(show=show).product
    real_now = lifecycle.now_ms
    shift = (data.get("duration_seconds", 20) * 1000 + ended_ms_ago) if ended_ms_ago else 0
    lifecycle.now_ms = lambda: real_now() - shift
    try:
        auction = lifecycle.auction_create(
            actor=show.seller, show_id=show.pk, product_id=product.pk, data=data, open_now=True
        )
    finally:
        lifecycle.now_ms = real_now
    return show, auction


@database_sync_to_async
def bids_of(auction_id):
    return list(Bid.objects.filter(auction_id=auction_id).values_list("seq", "received_at"))


@database_sync_to_async
def auction_row(auction_id):
    return Auction.objects.get(pk=auction_id)


CLIENT_CLOCKS = ["ts", "sent_at", "client_time", "received_ms", "now", "ends_at"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loop_cleanup")
async def test_r10_a_client_clock_in_a_bid_frame_is_refused_and_changes_nothing():
    show, auction = await open_auction(mode="soft_close", duration_seconds=5, window_seconds=10)
    alice = await make(UserFactory)
    socket, _ = await joined(show, alice)
    before = engine().live(auction.pk)

    for n, field in enumerate(CLIENT_CLOCKS):
        # A clock from the past: were it trusted, a late bid would pass as in time.
        frame = {"type": "bid.place", "ref": f"a-{n}", "auction_id": auction.pk, "amount_cents": 300, field: 1}
        await socket.send_json_to(frame)
        refused = await receive_type(socket, "error")
        assert (refused["ref"], refused["code"], list(refused["fields"])) == (f"a-{n}", "unexpected_field", [field])

    assert engine().live(auction.pk) == before
    assert await bids_of(auction.pk) == []
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loop_cleanup")
async def test_r10_the_servers_receipt_times_the_bid_and_sets_the_extended_end():
    show, auction = await open_auction(mode="soft_close", duration_seconds=5, window_seconds=10)
    alice = await make(UserFactory)
    socket, _ = await joined(show, alice)

    sent = int(time.time() * 1000)
    await socket.send_json_to({"type": "bid.place", "ref": "a-1", "auction_id": auction.pk, "amount_cents": 300})
    accepted = await receive_type(socket, "bid.accepted")
    answered = int(time.time() * 1000)

    [(seq, received_at)] = await bids_of(auction.pk)
    received_ms = round(received_at.timestamp() * 1000)
    assert seq == 1
    assert sent <= received_ms <= answered
    # Less than the window was left, so the end is the receipt plus the window, to the millisecond.
    assert accepted["ends_at"] == received_ms + 10_000
    assert engine().live(auction.pk).ends_at == received_ms + 10_000
    row = await auction_row(auction.pk)
    assert (row.extensions, round(row.ends_at.timestamp() * 1000)) == (1, received_ms + 10_000)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loop_cleanup")
@pytest.mark.parametrize("mode", ["soft_close", "sudden_death"])
async def test_r10_a_bid_after_the_end_by_the_servers_clock_is_refused_though_nobody_closed_it(mode):
    show, auction = await open_auction(ended_ms_ago=50, mode=mode, duration_seconds=5, window_seconds=10)
    alice = await make(UserFactory)
    socket, _ = await joined(show, alice)
    before = engine().live(auction.pk)
    assert before.status == "open"

    await socket.send_json_to({"type": "bid.place", "ref": "a-1", "auction_id": auction.pk, "amount_cents": 500})
    refused = await receive_type(socket, "error")

    assert (refused["code"], refused["auction_id"], refused["price_cents"]) == ("ended", auction.pk, 0)
    assert engine().live(auction.pk) == before
    assert await bids_of(auction.pk) == []
    await socket.disconnect()


def test_r10_sudden_death_never_extends():
    auction = rules.Rules(starting=100, increments=DEFAULT_INCREMENTS, soft_close=False, window_ms=20_000)
    redis_engine = engine_auction_made(799_999_999, auction)
    end = redis_engine.open(799_999_999, now=T0, duration_ms=5_000, hard_stop_after_ms=120_000)
    # A bid every 100 ms up to the last millisecond, each from a new bidder raising the price: the end never moves.
    price = 0
    times = [*range(T0, end, 100), end - 1]
    for n, now in enumerate(times):
        amount = price + increment_at(DEFAULT_INCREMENTS, price) if price else 100
        outcome = redis_engine.bid_sync(
            799_999_999, bidder=1_000 + n, amount=amount, ref="s", now=now, confirm=True, source="room"
        )
        assert outcome.accepted, outcome
        assert outcome.price > price
        assert (outcome.ends_at, outcome.extended, outcome.extensions) == (end, False, 0)
        price = outcome.price
    assert redis_engine.live(799_999_999) == Live("open", price, 1_000 + len(times) - 1, len(times), end, 0)
    late = redis_engine.bid_sync(799_999_999, bidder=5, amount=10**6, ref="late", now=end, confirm=True, source="room")
    assert late.code == rules.ENDED
    redis_engine.forget(799_999_999)
