"""Sliding-window limits: on the real Redis, and the embedded memory twin behaving the same."""

import threading

import pytest

from tokshop.core.ratelimit import SlidingLimit, _MemoryWindows, _RedisWindows, sliding_limits_hit

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
