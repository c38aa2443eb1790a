"""R9: the Redis engine and the pure model of the proxy rules, driven side by side by a state
machine (bid, raise one's own max, match the leader, replay, tick the clock, buy now, close).

Every step must give the same outcome from both; after every step the state must satisfy the
rules as written here independently of `rules.price_of`: the leader holds the highest max (the
earlier one at equal maxes), the price is the lower of the leader's max and the runner-up's max
plus one increment (never below the starting price, lifted to the reserve once the leader's max
reaches it), nobody pays above their max, and the price never goes down.
"""

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .. import rules
from ..engine import Live, RedisEngine, engine
from ..increments import DEFAULT_INCREMENTS, increment_at
from .factories import engine_auction_made

# Auction ids of the machine's runs: far above any row a test makes, one per run.
AUCTION_IDS = itertools.count(900_000_000)
T0 = 1_790_000_000_000
BIDDERS = st.sampled_from([11, 12, 13, 14])
SMALL_STEPS = [[0, 50], [1000, 100], [2500, 250]]

auction_rules = st.builds(
    rules.Rules,
    starting=st.sampled_from([1, 100, 500, 2950]),
    increments=st.sampled_from([DEFAULT_INCREMENTS, SMALL_STEPS]),
    soft_close=st.booleans(),
    window_ms=st.sampled_from([5_000, 10_000, 20_000]),
    max_extensions=st.integers(0, 3),
    reserve=st.sampled_from([0, 0, 1_000, 4_000]),
    buy_now=st.sampled_from([0, 0, 6_000, 20_000]),
    prebids=st.booleans(),
).filter(lambda r: (not r.reserve or r.reserve >= r.starting) and (not r.buy_now or r.buy_now > r.starting))


def expected_price(r: rules.Rules, leader_max: int, runner_max: int) -> int:
    floor = r.starting
    if runner_max:
        floor = max(floor, runner_max + increment_at(r.increments, runner_max))
    if r.reserve and leader_max >= r.reserve:
        floor = max(floor, r.reserve)
    return min(leader_max, floor)


class ProxyBidding(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        redis_engine = engine()
        assert isinstance(redis_engine, RedisEngine)
        self.engine = redis_engine
        self.auction_id = next(AUCTION_IDS)
        self.now = T0
        self.model: rules.State
        # Kept by this test alone: bidder → (their max, the number of the bid that first set it).
        self.maxes: dict[int, tuple[int, int]] = {}
        self.placed: list[tuple[int, str, int]] = []
        self.refs = itertools.count(1)
        self.last_price = 0

    @initialize(auction=auction_rules, open_now=st.booleans())
    def make(self, auction: rules.Rules, open_now: bool) -> None:
        self.model = rules.State(rules=auction)
        engine_auction_made(self.auction_id, auction)
        if open_now:
            self.open_(duration=20_000, hard_after=30_000)

    def teardown(self) -> None:
        self.engine.forget(self.auction_id)

    # --- steps --------------------------------------------------------------------------------
    def both(self, bidder: int, amount: int, ref: str, confirm: bool) -> rules.Outcome:
        expected = (
            rules.buy_now(self.model, bidder=bidder, ref=ref, now=self.now)
            if amount == 0
            else rules.bid(self.model, bidder=bidder, amount=amount, ref=ref, now=self.now, confirm=confirm)
        )
        got = self.engine.bid_sync(
            self.auction_id, bidder=bidder, amount=amount, ref=ref, now=self.now, confirm=confirm, source="api"
        )
        assert got == expected
        if got.accepted and not got.replayed:
            kept = self.maxes.get(bidder)
            placed = self.model.maxes[bidder]
            if kept is None or kept[0] != placed:
                self.maxes[bidder] = (placed, got.seq)
            self.placed.append((bidder, ref, amount))
        return got

    def place(self, bidder: int, amount: int, confirm: bool) -> rules.Outcome:
        return self.both(bidder, amount, f"r{next(self.refs)}", confirm)

    @rule(bidder=BIDDERS, above=st.integers(-150, 3_000), confirm=st.booleans())
    def bid(self, bidder: int, above: int, confirm: bool) -> None:
        self.place(bidder, max(1, rules.next_minimum(self.model) + above), confirm)

    @precondition(lambda self: self.model.leader)
    @rule(change=st.integers(-2_000, 2_000))
    def raise_own_max(self, change: int) -> None:
        leader = self.model.leader
        self.place(leader, max(1, self.maxes[leader][0] + change), True)

    @precondition(lambda self: self.model.leader)
    @rule(bidder=BIDDERS)
    def match_the_leader(self, bidder: int) -> None:
        # An equal max placed later never takes the lead.
        self.place(bidder, self.model.leader_max, True)

    @precondition(lambda self: self.placed)
    @rule(pick=st.integers(0, 10_000), other_amount=st.booleans())
    def replay(self, pick: int, other_amount: bool) -> None:
        bidder, ref, amount = self.placed[pick % len(self.placed)]
        before = self.engine.live(self.auction_id)
        again = self.both(bidder, amount + 100 if other_amount and amount else amount, ref, True)
        assert again.replayed
        assert self.engine.live(self.auction_id) == before

    @rule(bidder=BIDDERS)
    def buy_now(self, bidder: int) -> None:
        self.place(bidder, 0, False)

    @rule(ms=st.one_of(st.integers(0, 999), st.integers(1_000, 25_000)))
    def tick(self, ms: int) -> None:
        self.now += ms

    @precondition(lambda self: self.model.status == rules.SCHEDULED)
    @rule(duration=st.sampled_from([5_000, 20_000]), hard_after=st.sampled_from([0, 10_000, 60_000]))
    def open_(self, duration: int, hard_after: int) -> None:
        expected = rules.open_(self.model, now=self.now, duration_ms=duration, hard_stop_after_ms=hard_after)
        got = self.engine.open(self.auction_id, now=self.now, duration_ms=duration, hard_stop_after_ms=hard_after)
        assert got == (self.model.ends_at if expected else None)

    @rule()
    def close(self) -> None:
        assert self.engine.close(self.auction_id, now=self.now) == rules.close(self.model, now=self.now)

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def engine_state_equals_the_model(self) -> None:
        m = self.model
        assert self.engine.live(self.auction_id) == Live(
            m.status, m.price, m.leader, m.count, m.ends_at, m.extensions, m.bought_now
        )
        for bidder in self.maxes:
            assert self.engine.max_of(self.auction_id, bidder) == m.maxes[bidder]

    @invariant()
    def the_price_follows_the_proxy_rules(self) -> None:
        m = self.model
        if not self.maxes:
            assert (m.price, m.leader, m.count) == (0, 0, 0)
            return
        if m.bought_now:
            assert m.price == m.rules.buy_now == self.maxes[m.leader][0]
            return
        # The highest max leads; at equal maxes, the one placed first.
        leader = min(self.maxes, key=lambda b: (-self.maxes[b][0], self.maxes[b][1]))
        assert m.leader == leader
        leader_max = self.maxes[leader][0]
        runner_max = max((amount for b, (amount, _) in self.maxes.items() if b != leader), default=0)
        assert m.price == expected_price(m.rules, leader_max, runner_max)
        assert m.price <= leader_max
        assert m.price >= min(m.rules.starting, leader_max)

    @invariant()
    def the_price_never_goes_down(self) -> None:
        if hasattr(self, "model"):
            assert self.model.price >= self.last_price
            self.last_price = self.model.price

    @invariant()
    def the_end_stays_within_its_bounds(self) -> None:
        m = self.model
        assert m.extensions <= m.rules.max_extensions
        if m.status == rules.OPEN:
            assert m.ends_at <= m.hard_stop


@pytest.mark.timeout(120)
def test_r9_the_redis_engine_follows_the_proxy_rules_step_for_step():
    machine = settings(
        max_examples=80,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )(ProxyBidding)
    machine.TestCase().runTest()
