"""Broadcasts of fast-changing figures (poll tallies, a flash sale's units left, upvotes) at most a
few times a second, whatever the rate of the actions behind them, across every server process.

The first change in a window claims it in the shared cache (SET NX PX); the claimer's process
publishes the figures once the window is over, read from the database then, so every change made
during the window is in that one broadcast. Changes that find the window claimed do nothing more.
"""

import logging
import threading
from collections.abc import Callable

from django.core.cache import cache
from django.db import close_old_connections, connection, transaction

logger = logging.getLogger(__name__)

# Four broadcasts a second per figure at most.
WINDOW_SECONDS = 0.25
# The flush runs after the claim has expired in the cache: a change committed after the flush's
# read then finds the window free and claims the next one, so no change is left unannounced.
FLUSH_MARGIN_SECONDS = 0.02


def _flush(key: str, publish: Callable[[], None]) -> None:
    close_old_connections()
    try:
        publish()
    except Exception:
        # A broadcast is a fast copy of the database: the next change, or a snapshot, catches up.
        logger.exception("coalesced broadcast %s failed", key)
    finally:
        connection.close()


def coalesce_on_commit(key: str, publish: Callable[[], None]) -> None:
    """After commit, have `publish` run at the end of the current window for `key` (one per window)."""

    def claim() -> None:
        if not cache.add(f"coalesce:{key}", 1, timeout=WINDOW_SECONDS):
            return
        timer = threading.Timer(WINDOW_SECONDS + FLUSH_MARGIN_SECONDS, _flush, args=(key, publish))
        timer.daemon = True
        timer.start()

    transaction.on_commit(claim, robust=True)
