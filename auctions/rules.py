"""The auction rules as a pure model: what a bid, an open and a close do to an auction's state.

This is the specification of the bid engine. The embedded default runs it in process; with Redis,
the same rules run inside one Lua script (`engine_lua.py`), and the test suite checks the two agree
on every step. Amounts are integer cents and times integer milliseconds by the server's clock.

Proxy bidding: each bidder gives a private max. The price is the lower of the leader's max and the
runner-up's max plus one increment (never below the starting price, and lifted to the hidden
reserve once the leader's max reaches it). At equal maxes the earlier bid leads. A leader bidding
again only changes their own max, never the price: nobody bids against themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .increments import increment_at

# A bid of this many times the price (the starting price before any bid) needs the bidder's confirm.
CONFIRM_FACTOR = 5
# Bids a bidder may place on one auction per second before being refused as rate limited.
RATE_LIMIT_PER_SECOND = 10

OPEN = "open"
SCHEDULED = "scheduled"
CLOSED = "closed"
CANCELLED = "cancelled"

# Outcomes of a bid. The first three are accepted (the bid is numbered and kept).
LEADING = "leading"
OUTBID = "outbid"
BOUGHT = "bought_now"
ACCEPTED = (LEADING, OUTBID, BOUGHT)
TOO_LOW = "too_low"
NOT_OPEN = "not_open"
ENDED = "ended"
CONFIRM_REQUIRED = "confirm_required"
MAX_BELOW_PRICE = "max_below_price"
RATE_LIMITED = "rate_limited"
BUY_NOW_UNAVAILABLE = "buy_now_unavailable"


@dataclass
class Rules:
    """What an auction was set up with; fixed once it is made."""

    starting: int
    increments: list[list[int]]
    soft_close: bool = True
    window_ms: int = 10_000
    max_extensions: int = 10
    reserve: int = 0
    buy_now: int = 0
    prebids: bool = False


@dataclass
class State:
    rules: Rules
    status: str = SCHEDULED
    price: int = 0
    leader: int = 0
    leader_max: int = 0
    runner_max: int = 0
    count: int = 0
    ends_at: int = 0
    hard_stop: int = 0
    extensions: int = 0
    bought_now: bool = False
    maxes: dict[int, int] = field(default_factory=dict)
    # (bidder, client ref) → the outcome first given, so a repeated bid is answered the same.
    refs: dict[tuple[int, str], Outcome] = field(default_factory=dict)
    # bidder → (the second of their last bid, bids placed in that second).
    rate: dict[int, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    code: str
    seq: int = 0
    price: int = 0
    leader: int = 0
    ends_at: int = 0
    # Set on an accepted bid: whether it moved the end (soft close) and whom it displaced as leader.
    extended: bool = False
    displaced: int = 0
    # On too_low, the least a bid may be; on confirm_required, the amount to confirm.
    minimum: int = 0
    # On an accepted bid: the auction's status and extension count once it was taken.
    status: str = ""
    extensions: int = 0
    replayed: bool = False

    @property
    def accepted(self) -> bool:
        return self.code in ACCEPTED


def next_minimum(state: State) -> int:
    """The least a bidder other than the leader may bid now."""
    if not state.leader:
        return state.rules.starting
    return state.price + increment_at(state.rules.increments, state.price)


def price_of(state: State) -> int:
    rules = state.rules
    base = rules.starting
    if state.runner_max:
        base = max(base, state.runner_max + increment_at(rules.increments, state.runner_max))
    if rules.reserve and state.leader_max >= rules.reserve:
        base = max(base, rules.reserve)
    return min(state.leader_max, base)


def _refusal(state: State, code: str, minimum: int = 0) -> Outcome:
    return Outcome(code, price=state.price, leader=state.leader, ends_at=state.ends_at, minimum=minimum)


def bid(state: State, *, bidder: int, amount: int, ref: str, now: int, confirm: bool = False) -> Outcome:
    """Place `bidder`'s max of `amount` received at `now`; the state changes only if it is accepted."""
    replay = state.refs.get((bidder, ref))
    if replay is not None:
        return Outcome(**{**replay.__dict__, "replayed": True})
    refusal = _gate(state, bidder=bidder, now=now)
    if refusal:
        return refusal
    rules = state.rules
    if bidder == state.leader:
        if amount < state.price:
            return _refusal(state, MAX_BELOW_PRICE, minimum=state.price)
    elif amount < next_minimum(state):
        return _refusal(state, TOO_LOW, minimum=next_minimum(state))
    if amount >= CONFIRM_FACTOR * max(state.price, rules.starting) and not confirm:
        return _refusal(state, CONFIRM_REQUIRED, minimum=amount)
    displaced = 0
    if bidder == state.leader:
        state.leader_max = amount
    elif not state.leader or amount > state.leader_max:
        displaced = state.leader
        state.runner_max = state.leader_max
        state.leader, state.leader_max = bidder, amount
    else:
        state.runner_max = max(state.runner_max, amount)
    state.maxes[bidder] = amount
    before = state.price
    state.price = price_of(state)
    extended = state.price != before and _extend(state, now)
    return _accept(state, bidder, ref, LEADING if state.leader == bidder else OUTBID, extended, displaced)


def buy_now(state: State, *, bidder: int, ref: str, now: int) -> Outcome:
    """Take the lot at its buy-it-now price, which ends the auction; open while the price is below it."""
    replay = state.refs.get((bidder, ref))
    if replay is not None:
        return Outcome(**{**replay.__dict__, "replayed": True})
    refusal = _gate(state, bidder=bidder, now=now)
    if refusal:
        return refusal
    if state.status != OPEN or not state.rules.buy_now or state.price >= state.rules.buy_now:
        return _refusal(state, BUY_NOW_UNAVAILABLE)
    displaced = state.leader if state.leader != bidder else 0
    state.leader = bidder
    state.leader_max = state.price = state.rules.buy_now
    state.maxes[bidder] = state.rules.buy_now
    state.status = CLOSED
    state.bought_now = True
    # The auction ends the moment it is bought: countdowns stop there.
    state.ends_at = now
    return _accept(state, bidder, ref, BOUGHT, False, displaced)


def _gate(state: State, *, bidder: int, now: int) -> Outcome | None:
    if state.status in (CLOSED, CANCELLED) or (state.status == OPEN and now >= state.ends_at):
        return _refusal(state, ENDED)
    if state.status == SCHEDULED and not state.rules.prebids:
        return _refusal(state, NOT_OPEN)
    second, placed = state.rate.get(bidder, (now // 1000, 0))
    placed = placed + 1 if second == now // 1000 else 1
    state.rate[bidder] = (now // 1000, placed)
    if placed > RATE_LIMIT_PER_SECOND:
        return _refusal(state, RATE_LIMITED)
    return None


def _extend(state: State, now: int) -> bool:
    rules = state.rules
    if state.status != OPEN or not rules.soft_close or state.extensions >= rules.max_extensions:
        return False
    if state.ends_at - now >= rules.window_ms:
        return False
    new_end = min(now + rules.window_ms, state.hard_stop)
    if new_end <= state.ends_at:
        return False
    state.ends_at = new_end
    state.extensions += 1
    return True


def _accept(state: State, bidder: int, ref: str, code: str, extended: bool, displaced: int) -> Outcome:
    state.count += 1
    outcome = Outcome(
        code,
        seq=state.count,
        price=state.price,
        leader=state.leader,
        ends_at=state.ends_at,
        extended=extended,
        displaced=displaced,
        status=state.status,
        extensions=state.extensions,
    )
    state.refs[(bidder, ref)] = outcome
    return outcome


def open_(state: State, *, now: int, duration_ms: int, hard_stop_after_ms: int) -> bool:
    """Start the countdown; False if the auction is not waiting to open."""
    if state.status != SCHEDULED:
        return False
    state.status = OPEN
    state.ends_at = now + duration_ms
    state.hard_stop = state.ends_at + hard_stop_after_ms
    return True


def close(state: State, *, now: int) -> bool:
    """End an open auction whose time is up; False if it is not open or not yet due."""
    if state.status != OPEN or now < state.ends_at:
        return False
    state.status = CLOSED
    return True


def cancel(state: State) -> bool:
    """Withdraw an auction nobody has bid on; False once a bid is in or it is over."""
    if state.count or state.status not in (SCHEDULED, OPEN):
        return False
    state.status = CANCELLED
    return True
