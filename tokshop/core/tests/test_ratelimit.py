"""Sliding-window limits: on the real Redis, and the embedded memory twin behaving the same."""

import threading

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tokshop.core.errors import RateLimited
from tokshop.core.ratelimit import (
    Rate,
    SlidingLimit,
    _MemoryWindows,
    _RedisWindows,
    rate_limit_enforce,
    sliding_limits_hit,
    sliding_limits_hit_and_read,
)

LIMIT = SlidingLimit("test", "k", 3, 1000)


@pytest.fixture(params=["redis", "memory"])
def windows(request):
    return _RedisWindows() if request.param == "redis" else _MemoryWindows()


def test_a_window_slides_instead_of_resetting(windows):
    assert [windows.hit([LIMIT], t) for t in (0, 400, 800)] == [(0, 0)] * 3
    # A fixed window would reset at 1000 ms and allow a burst; this one frees a slot as each hit ages.
    assert windows.hit([LIMIT], 999) == (1, 1)
    assert windows.hit([LIMIT], 1000) == (0, 0)
    assert windows.hit([LIMIT], 1001) == (1, 399)


def test_a_refusal_counts_in_no_window(windows):
    other = SlidingLimit("test", "other", 10, 1000)
    for t in range(3):
        windows.hit([LIMIT], t)

    assert windows.hit([other, LIMIT], 10) == (2, 990)
    # Nothing was recorded for `other` on the refused hit: it still has room for ten.
    assert [windows.hit([other], 20)[0] for _ in range(10)] == [0] * 10
    assert windows.hit([other], 20)[0] == 1


def test_no_limits_is_no_refusal():
    assert sliding_limits_hit([]) is None


def test_concurrent_hits_on_redis_never_exceed_the_limit():
    limit = SlidingLimit("test", "race", 5, 60_000)
    barrier = threading.Barrier(20)
    results: list[bool] = []

    def hit() -> None:
        barrier.wait()
        results.append(sliding_limits_hit([limit]) is None)

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(True) == 5
    exceeded = sliding_limits_hit([limit])
    assert exceeded is not None
    assert exceeded.limit == limit
    assert 1 <= exceeded.retry_after_seconds <= 60


@pytest.mark.parametrize("backend", [_RedisWindows, _MemoryWindows])
def test_limits_and_cache_reads_come_back_together(backend):
    cache.set("ratelimit-test:stamp", "v1")
    cache.set("ratelimit-test:state", {"active": [1, 2]})
    windows = backend()

    first, read = windows.hit_and_read([LIMIT], 0, ["ratelimit-test:stamp", "ratelimit-test:state", "missing"])
    nothing_counted, _ = windows.hit_and_read([], 0, ["missing"])

    assert first == (0, 0)
    assert read == {"ratelimit-test:stamp": "v1", "ratelimit-test:state": {"active": [1, 2]}}
    assert nothing_counted == (0, 0)


def test_sliding_limits_hit_and_read_reports_the_full_limit():
    limit = SlidingLimit("test", "read", 1, 60_000)
    assert sliding_limits_hit_and_read([limit], [])[0] is None

    exceeded, read = sliding_limits_hit_and_read([limit], ["nothing-here"])

    assert exceeded is not None
    assert exceeded.limit == limit
    assert read == {}


def test_the_script_is_loaded_again_after_redis_forgets_it():
    windows = _RedisWindows()
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.script_flush()
    finally:
        client.close()

    assert windows.hit_and_read([LIMIT], 0, [])[0] == (0, 0)
    assert windows.hit_and_read([LIMIT], 1, [])[0] == (0, 0)


def test_concurrent_clients_each_with_their_own_redis_connection_get_no_more_than_the_limit():
    """60 threads, each with its own Redis client and connection, released together on a barrier."""
    limit = SlidingLimit("test", "own-clients", 10, 60_000)
    clients = [redis.Redis.from_url(settings.REDIS_URL) for _ in range(60)]
    barrier = threading.Barrier(len(clients))
    admitted: list[bool] = []

    def hit(client: redis.Redis) -> None:
        windows = _RedisWindows(client)
        barrier.wait()
        admitted.append(windows.hit([limit], 1_000) == (0, 0))

    threads = [threading.Thread(target=hit, args=(client,)) for client in clients]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for client in clients:
            client.close()

    assert len(admitted) == 60
    assert admitted.count(True) == 10


@pytest.mark.parametrize(
    ("text", "rate"), [("10/hour", Rate(10, 3600)), ("30/minute", Rate(30, 60)), ("5/seconds", Rate(5, 1))]
)
def test_rates_are_written_per_period(text, rate):
    assert Rate.parse(text) == rate


def test_rate_limit_enforce_refuses_with_the_seconds_to_wait():
    rate = Rate(2, 60)
    rate_limit_enforce(scope="test", key="someone@example.com", rate=rate)
    rate_limit_enforce(scope="test", key="someone@example.com", rate=rate)

    with pytest.raises(RateLimited) as refused:
        rate_limit_enforce(scope="test", key="someone@example.com", rate=rate)
    rate_limit_enforce(scope="test", key="someone-else@example.com", rate=rate)

    assert (refused.value.status, refused.value.code) == (429, "rate_limited")
    assert 59 <= refused.value.retry_after <= 60
    assert refused.value.extra == {"retry_after": refused.value.retry_after}
    assert "Try again in" in refused.value.message
