"""How far the server processes have handled the client messages they read.

Each process of our server (`tokshop.core.websocket`) knows the oldest message it read and has not
handled yet; a thread of its own reports that time to Redis every REPORT_EVERY seconds, whatever
the event loop is busy with. `wait_handled_through(t)` waits until every process reporting has
handled all it read before `t`: how an auction's close lets a bid storm's backlog reach the engine
first (a bid is in time by when it was read). A process that stops reporting is forgotten after
REPORT_KEPT_MS; without Redis the one process's own count is read directly.
"""

import logging
import os
import socket
import threading
import time
from typing import cast

from tokshop.core.websocket import UNHANDLED

from .envelope import server_time_ms
from .streams import RedisBackend, backend

logger = logging.getLogger(__name__)

REPORT_EVERY = 0.02
REPORT_KEPT_MS = 1000
POLL_EVERY = 0.01

_reporting = threading.Lock()
_reporter: threading.Thread | None = None


def _key(store: RedisBackend) -> str:
    return f"{store.prefix}:handled-through"


def reporting_ensure() -> None:
    """Start this process's reporter, once (a no-op without Redis)."""
    global _reporter
    store = backend()
    if not isinstance(store, RedisBackend) or _reporter is not None:
        return
    with _reporting:
        if _reporter is None:
            _reporter = threading.Thread(target=_report, args=(store,), name="handled-through", daemon=True)
            _reporter.start()


def _report(store: RedisBackend) -> None:
    process = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        try:
            report(store, process, UNHANDLED.handled_through())
        except Exception:
            # Redis away: the close stops waiting for this process once its report is stale.
            logger.warning("could not report how far this process has handled its messages", exc_info=True)
        time.sleep(REPORT_EVERY)


def report(store: RedisBackend, process: str, through: int) -> None:
    """Say that `process` has handled every message it read before `through` (ms)."""
    store.sync_client.hset(_key(store), process, f"{through}:{server_time_ms()}")


def handled_through_ms() -> int | None:
    """A time (ms) before which every server process has handled all it read; None when none reports."""
    store = backend()
    if not isinstance(store, RedisBackend):
        return UNHANDLED.handled_through()
    now = server_time_ms()
    marks, stale = [], []
    # The backend's client answers in bytes.
    reports = cast(dict[bytes, bytes], store.sync_client.hgetall(_key(store)))
    for process, report in reports.items():
        through, reported = (int(part) for part in report.split(b":"))
        if now - reported <= REPORT_KEPT_MS:
            marks.append(through)
        else:
            stale.append(process)
    if stale:
        store.sync_client.hdel(_key(store), *stale)
    return min(marks, default=None)


def wait_handled_through(at_ms: int, *, longest_ms: int) -> None:
    """Wait until every server process has handled what it read before `at_ms`, or until
    `longest_ms` past it (a process stuck on one message must not hold a close forever)."""
    give_up = at_ms + longest_ms
    while (through := handled_through_ms()) is not None and through < at_ms and server_time_ms() < give_up:
        time.sleep(POLL_EVERY)
