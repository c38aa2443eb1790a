"""How far the server processes have handled what they read, as the close of an auction sees it."""

import threading

import pytest

from tokshop.realtime.envelope import server_time_ms
from tokshop.realtime.streams import RedisBackend, backend
from tokshop.realtime.watermark import REPORT_KEPT_MS, _key, handled_through_ms, report, wait_handled_through


@pytest.fixture
def store() -> RedisBackend:
    store = backend()
    assert isinstance(store, RedisBackend)
    return store


def test_with_no_process_reporting_there_is_nothing_to_wait_for(store):
    assert handled_through_ms() is None
    wait_handled_through(server_time_ms(), longest_ms=60_000)


def test_the_slowest_fresh_report_counts_and_stale_ones_are_forgotten(store):
    now = server_time_ms()
    report(store, "web-1:10", now - 300)
    report(store, "web-2:11", now - 40)
    # A process that stopped reporting (killed, say) a while ago.
    store.sync_client.hset(_key(store), "web-3:12", f"{now - 5_000}:{now - REPORT_KEPT_MS - 1}")

    assert handled_through_ms() == now - 300
    assert set(store.sync_client.hgetall(_key(store))) == {b"web-1:10", b"web-2:11"}


def test_the_wait_ends_when_the_slowest_process_has_handled_what_it_read_before_the_time(store):
    end = server_time_ms() - 10
    report(store, "web-1:10", end - 500)
    report(store, "web-2:11", end + 5)
    caught_up = threading.Event()

    def catch_up() -> None:
        caught_up.set()
        report(store, "web-1:10", end)

    timer = threading.Timer(0.2, catch_up)
    timer.start()
    wait_handled_through(end, longest_ms=60_000)
    timer.join()

    assert caught_up.is_set()
    assert handled_through_ms() >= end


def test_a_process_stuck_on_one_message_holds_the_wait_only_so_long(store):
    end = server_time_ms() - 900
    report(store, "web-1:10", end - 100)

    wait_handled_through(end, longest_ms=1_000)

    assert server_time_ms() >= end + 1_000
    assert handled_through_ms() == end - 100
