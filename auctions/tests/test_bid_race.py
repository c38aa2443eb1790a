"""R8: 200 bidders on one auction, each on their own WebSocket to a real server process, released
together, in each of 20 trials.

Each bidder places a first max, then reacts to its answer as a person would (too low: bid the
next minimum; outbid: go higher; leading: raise their own max), a few times. Some trials end
during the storm (sudden death, or a soft close held by its hard stop); one is bought now
mid-storm. After every trial the stored bids are replayed in `seq` order through the pure rules
(`auctions.rules`), which must give every accepted bid the same outcome, price, leader and end,
and every refusal must follow from one of the states the oracle passed through.
"""

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
import websockets
from channels.db import database_sync_to_async
from django.test import Client

from shows.tests.factories import LineupItemFactory, ShowFactory
from tests.processes import asgi_server
from tokshop.users.tests.factories import UserFactory

from .. import rules
from ..engine import engine
from ..models import Auction, AuctionEvent, AuctionEventKind, AuctionStatus, Bid
from ..services import auctions as lifecycle

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency, pytest.mark.timeout(300)]

BIDDERS = 200
TRIALS = 20


def ms(value: Any) -> int:
    return round(value.timestamp() * 1000)


@dataclass(frozen=True)
class Trial:
    data: dict[str, Any]
    # The end this many ms after the auction is made (the storm starts at once), else its full duration.
    ends_in_ms: int = 0
    buy_now: bool = False


def trial_setup(n: int) -> Trial:
    if n % 5 == 1:
        return Trial({"mode": "sudden_death", "duration_seconds": 5}, ends_in_ms=400)
    if n % 5 == 3:
        # Every price-changing bid would extend it, but the hard stop 1 s after the first end holds.
        return Trial(
            {"duration_seconds": 5, "window_seconds": 5, "max_extensions": 3, "hard_stop_seconds": 1}, ends_in_ms=300
        )
    if n == 4:
        # Far above any price the storm reaches (each wave of answers adds at most $25), so the
        # first purchase is taken however slowly the machine serves the bidders.
        return Trial({"duration_seconds": 60, "buy_now_cents": 100_000}, buy_now=True)
    if n % 5 == 2:
        return Trial({"duration_seconds": 60, "reserve_cents": 4_000, "starting_cents": 250})
    return Trial({"duration_seconds": 60, "max_extensions": 5})


@dataclass
class Sent:
    bidder: int
    amount: int
    ref: str
    buy_now: bool
    sent_ms: int
    answered_ms: int
    reply: dict[str, Any]


@dataclass
class Bidder:
    user_id: int
    socket: Any
    waiting: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)

    async def read(self) -> None:
        async for text in self.socket:
            frame = json.loads(text)
            future = self.waiting.pop(frame.get("ref") or "", None)
            if future is not None and frame["type"] in ("bid.accepted", "error"):
                future.set_result(frame)

    async def send(self, frame: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[frame["ref"]] = future
        sent = lifecycle.now_ms()
        await self.socket.send(json.dumps(frame))
        reply = await asyncio.wait_for(future, 60)
        return reply, sent, lifecycle.now_ms()


@database_sync_to_async
def room_with_bidders() -> tuple[Any, Any, list[int], list[str]]:
    show = ShowFactory(live=True)
    product = LineupItemFactory(show=show, product__quantity_on_hand=5).product
    users = UserFactory.create_batch(BIDDERS)
    sessions = []
    for user in users:
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    return show, product, [user.pk for user in users], sessions


@database_sync_to_async
def auction_open(show: Any, product: Any, trial: Trial) -> Auction:
    real_now = lifecycle.now_ms
    if trial.ends_in_ms:
        # Opened as if earlier, so that its end falls `ends_in_ms` from now by the shared clock.
        opened = real_now() - trial.data["duration_seconds"] * 1000 + trial.ends_in_ms
        lifecycle.now_ms = lambda: opened
    try:
        return lifecycle.auction_create(
            actor=show.seller, show_id=show.pk, product_id=product.pk, data=trial.data, open_now=True
        )
    finally:
        lifecycle.now_ms = real_now


async def storm(
    bidder: Bidder, auction: Auction, n: int, rng: random.Random, go: asyncio.Event, trial: Trial
) -> list[Sent]:
    sent: list[Sent] = []
    amount = auction.starting_cents + rng.randint(0, 3_000)
    rounds = 5 if trial.ends_in_ms else 2
    await go.wait()
    for k in range(rounds):
        buy_now = trial.buy_now and k == 1 and rng.random() < 0.05
        ref = f"t{n}-{k}"
        frame: dict[str, Any] = {
            "type": "auction.buy_now" if buy_now else "bid.place",
            "ref": ref,
            "auction_id": auction.pk,
        }
        if not buy_now:
            frame |= {"amount_cents": amount, "confirm": True}
        reply, sent_ms, answered_ms = await bidder.send(frame)
        sent.append(Sent(bidder.user_id, amount, ref, buy_now, sent_ms, answered_ms, reply))
        if reply["type"] == "error":
            if reply["code"] != "too_low":
                break
            amount = reply["next_minimum_cents"] + rng.randint(0, 300)
        elif reply["leading"]:
            amount = reply["your_max_cents"] + rng.randint(1, 500)
        else:
            amount = reply["next_minimum_cents"] + rng.randint(0, 2_000)
    return sent


async def late_bid(bidder: Bidder, auction: Auction, n: int, after_ms: int) -> Sent:
    """A bid sent once the auction's last possible end has passed by the shared clock."""
    await asyncio.sleep(max(0, after_ms - lifecycle.now_ms() + 5) / 1000)
    ref = f"t{n}-late"
    frame = {"type": "bid.place", "ref": ref, "auction_id": auction.pk, "amount_cents": 10**6, "confirm": True}
    reply, sent_ms, answered_ms = await bidder.send(frame)
    assert sent_ms > after_ms
    return Sent(bidder.user_id, 10**6, ref, False, sent_ms, answered_ms, reply)


@database_sync_to_async
def trial_close(auction_id: int) -> None:
    live = engine().live(auction_id)
    assert live is not None
    if live.status == AuctionStatus.OPEN:
        # The tests' clock is manual: end the auction at its end, as the clock would.
        engine().close(auction_id, now=max(live.ends_at, lifecycle.now_ms()))
    lifecycle.auction_close_due(auction_id=auction_id)


@database_sync_to_async
def stored(auction_id: int) -> tuple[Auction, list[Bid], int, int]:
    auction = Auction.objects.get(pk=auction_id)
    bids = list(Bid.objects.filter(auction_id=auction_id).order_by("seq"))
    opened = AuctionEvent.objects.get(auction_id=auction_id, kind=AuctionEventKind.OPENED)
    finished = AuctionEvent.objects.filter(
        auction_id=auction_id, kind__in=(AuctionEventKind.CLOSED, AuctionEventKind.BOUGHT_NOW)
    ).count()
    return auction, bids, int(opened.data["ends_at"]), finished


@dataclass(frozen=True)
class Seen:
    """What the oracle's state was before one of its steps."""

    status: str
    price: int
    leader: int
    ends_at: int
    next_minimum: int


def oracle_check(auction: Auction, bids: list[Bid], first_end: int, sent: list[Sent]) -> dict[str, int]:
    """Replay the stored bids through the rules; check every answer the bidders had against it."""
    assert [bid.seq for bid in bids] == list(range(1, len(bids) + 1))
    state = rules.State(
        rules=lifecycle.auction_rules(auction),
        status=rules.OPEN,
        ends_at=first_end,
        hard_stop=ms(auction.hard_stop_at),
    )
    states = [Seen(state.status, state.price, state.leader, state.ends_at, rules.next_minimum(state))]
    outcomes: dict[int, rules.Outcome] = {}
    for bid in bids:
        received = ms(bid.received_at)
        if bid.is_buy_now:
            outcome = rules.buy_now(state, bidder=bid.bidder_id, ref=bid.client_ref, now=received)
        else:
            outcome = rules.bid(
                state, bidder=bid.bidder_id, amount=bid.max_cents, ref=bid.client_ref, now=received, confirm=True
            )
        assert outcome.accepted, (bid.seq, outcome)
        assert (outcome.seq, outcome.price, outcome.leader, outcome.ends_at) == (
            bid.seq,
            bid.price_cents,
            bid.leader_id,
            ms(bid.ends_at),
        )
        # Accepted only in time, whatever order the receipts reached the engine in.
        assert received < states[-1].ends_at
        outcomes[bid.seq] = outcome
        states.append(Seen(state.status, state.price, state.leader, state.ends_at, rules.next_minimum(state)))
    assert (auction.price_cents, auction.leader_id or 0, auction.bid_count) == (state.price, state.leader, len(bids))
    assert auction.ends_at is not None
    end = ms(auction.ends_at)
    # A purchase ends the auction at its own receipt, or just after a bid the engine took before it
    # that was read later (decision 0025); every other bid was received before the end.
    assert all(ms(bid.received_at) < end or (bid.is_buy_now and ms(bid.received_at) == end) for bid in bids)
    expected_end = state.ends_at
    if state.bought_now:
        expected_end = max([expected_end, *(ms(bid.received_at) + 1 for bid in bids if not bid.is_buy_now)])
    assert end == expected_end
    assert auction.extensions == state.extensions

    by_seq = {bid.seq: bid for bid in bids}
    counts: dict[str, int] = {}
    accepted_seqs = []
    for s in sent:
        reply = s.reply
        code = reply["outcome"] if reply["type"] == "bid.accepted" else reply["code"]
        counts[code] = counts.get(code, 0) + 1
        if reply["type"] == "bid.accepted":
            assert not reply["replayed"]
            outcome, bid = outcomes[reply["bid_count"]], by_seq[reply["bid_count"]]
            assert (bid.bidder_id, bid.client_ref, bid.is_buy_now) == (s.bidder, s.ref, s.buy_now)
            assert bid.max_cents == reply["your_max_cents"] == (outcome.price if s.buy_now else s.amount)
            assert (reply["outcome"], reply["price_cents"], reply["ends_at"]) == (
                outcome.code,
                outcome.price,
                outcome.ends_at,
            )
            accepted_seqs.append(reply["bid_count"])
            continue
        # A refusal follows from a state the oracle passed through, at the price the bidder was told.
        at_price = [seen for seen in states if seen.price == reply["price_cents"]]
        if code == "too_low":
            assert any(
                seen.next_minimum == reply["next_minimum_cents"] > s.amount and seen.leader != s.bidder
                for seen in at_price
            ), s
        elif code == "max_below_price":
            assert any(seen.leader == s.bidder and s.amount < seen.price for seen in at_price), s
        elif code == "ended":
            # The server received it before it answered, so the end had passed by then.
            assert any(seen.status == rules.CLOSED or seen.ends_at <= s.answered_ms for seen in at_price), s
        elif code == "buy_now_unavailable":
            assert any(seen.price >= (auction.buy_now_cents or 0) for seen in at_price), s
        else:
            raise AssertionError(f"refused without a rule: {s}")
    assert sorted(accepted_seqs) == list(range(1, len(bids) + 1))
    return counts


async def test_r8_200_concurrent_bidders_x_20_trials_equal_a_sequential_oracle():
    show, product, user_ids, sessions = await room_with_bidders()
    totals: dict[str, int] = {}
    straddled = 0
    with asgi_server("bid-race") as address:
        url, origin = f"ws://{address}/ws/shows/{show.pk}/", f"http://{address}"
        connecting = asyncio.Semaphore(50)

        async def connect(user_id: int, session: str) -> Bidder:
            async with connecting:
                socket = await websockets.connect(
                    url, origin=origin, additional_headers={"Cookie": f"sessionid={session}"}, max_queue=None
                )
            return Bidder(user_id, socket)

        bidders = await asyncio.gather(*(connect(u, s) for u, s in zip(user_ids, sessions, strict=True)))
        readers = [asyncio.create_task(b.read()) for b in bidders]
        try:
            for n in range(TRIALS):
                trial = trial_setup(n)
                auction = await auction_open(show, product, trial)
                go = asyncio.Event()
                rngs = [random.Random(n * 1_000 + i) for i in range(BIDDERS)]
                tasks = [asyncio.create_task(storm(b, auction, n, rngs[i], go, trial)) for i, b in enumerate(bidders)]
                await asyncio.sleep(0)
                go.set()
                sent = [s for result in await asyncio.gather(*tasks) for s in result]
                if trial.ends_in_ms:
                    last_end = ms(auction.hard_stop_at if trial.data.get("mode") != "sudden_death" else auction.ends_at)
                    sent += await asyncio.gather(*(late_bid(b, auction, n, last_end) for b in bidders[:20]))
                    assert all(s.reply["code"] == "ended" for s in sent[-20:])
                await trial_close(auction.pk)
                row, bids, first_end, finished = await stored(auction.pk)
                assert row.status == AuctionStatus.CLOSED
                assert finished == 1
                counts = oracle_check(row, bids, first_end, sent)
                straddled += bool(trial.ends_in_ms and bids and counts.get("ended", 0) > 20)
                for code, count in counts.items():
                    totals[code] = totals.get(code, 0) + count
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*(b.socket.close() for b in bidders), return_exceptions=True)
    # Every kind of answer the storm can give was given, or the oracle checked nothing of it.
    for code in ("leading", "outbid", "too_low"):
        assert totals.get(code, 0) > 0, str(totals)
    assert totals.get("ended", 0) >= 20 * 8, str(totals)
    assert totals.get("bought_now") == 1, str(totals)
    print(f"R8: {TRIALS} trials of {BIDDERS} bidders; answers {totals}; {straddled} storms ended mid-storm")
