"""When an auction's time is up, something must close it, whether or not anyone is watching.

`AUCTION_CLOCK` chooses what:
- "celery": a task due at the end (`eta`), which finds the end moved by a soft close and sets
  itself again; a beat sweep behind it closes any auction whose task was lost.
- "thread": a timer thread in this process (the embedded default, which has no worker).
- "manual": nothing; tests drive the close themselves.
"""

import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

# A bid read before the end may still be on its way to the engine, behind other work of its
# process (a bid storm, a fan-out to a big room): the close waits this long past the end for it.
# A bid read after the end is refused whenever it reaches the engine.
IN_FLIGHT_MS = 150
IN_FLIGHT = timedelta(milliseconds=IN_FLIGHT_MS)
# Past that, the close waits until every server process has handled the bids it read before the
# end (tokshop.realtime.watermark), for this long at most after the end.
HANDLED_WAIT_MS = 2000


def _fire(auction_id: int) -> None:
    from .services.auctions import auction_close_due

    close_old_connections()
    try:
        auction_close_due(auction_id=auction_id)
    finally:
        close_old_connections()


def auction_clock_set(*, auction_id: int, at: datetime) -> None:
    """Have the auction checked for its close when it ends at `at` (after the current transaction
    commits): the check comes once bids read before `at` have reached the engine."""
    at += IN_FLIGHT
    mode = settings.AUCTION_CLOCK
    if mode == "celery":
        from .tasks import auction_close_due_task

        transaction.on_commit(lambda: auction_close_due_task.apply_async((auction_id,), eta=at), robust=True)
    elif mode == "thread":

        def start() -> None:
            timer = threading.Timer(max(0.0, (at - timezone.now()).total_seconds()), _fire, args=(auction_id,))
            timer.daemon = True
            timer.start()

        transaction.on_commit(start, robust=True)
