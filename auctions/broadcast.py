"""Telling the room about bids: `bid.placed` at most once per window per auction and process, and
never faster than the process writes it to its own sockets, carrying the latest price; the
bidder's own answer and the outbid notice go at once.

A hot auction takes hundreds of bids a second; a room of thousands cannot be sent each one, and
does not need to: every `bid.placed` carries the whole state (price, leader, end, bid count).
The first bid after a quiet window goes out at once; later ones in the window are folded into one
frame at its end. A frame to a big room is thousands of socket writes, so the next one waits until
this process has written the last one to its listeners (tokshop.realtime.hub): the room's frame
rate falls as the room grows, and no backlog of stale prices builds up between bids and viewers.
Frames from several processes may cross: clients keep the highest `bid_count`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Coroutine
from typing import Any

from tokshop.realtime.groups import show_group
from tokshop.realtime.hub import get_hub

logger = logging.getLogger(__name__)

# 20 ms: a viewer sees a price at most one window late, and a room gets 50 frames a second at most.
WINDOW_SECONDS = 0.02


class BidBroadcast:
    def __init__(self) -> None:
        self.sent_at: dict[int, float] = {}
        self.sent_count: dict[int, int] = {}
        self.pending: dict[int, tuple[int, int, dict[str, Any]]] = {}
        # Auctions whose last frame this process has not yet written to all its sockets.
        self.in_flight: set[int] = set()
        self.tasks: set[asyncio.Task[Any]] = set()

    def push(self, *, show_id: int, auction_id: int, count: int, payload: dict[str, Any]) -> None:
        if count <= self.sent_count.get(auction_id, 0):
            return
        waiting = self.pending.get(auction_id)
        if waiting is not None:
            if count > waiting[1]:
                self.pending[auction_id] = (show_id, count, payload)
            return
        self.pending[auction_id] = (show_id, count, payload)
        if auction_id not in self.in_flight:
            self._flush_when_due(auction_id)

    def _flush_when_due(self, auction_id: int) -> None:
        wait = self.sent_at.get(auction_id, 0.0) + WINDOW_SECONDS - time.monotonic()
        if wait <= 0:
            self._flush(auction_id)
        else:
            asyncio.get_running_loop().call_later(wait, self._flush, auction_id)

    def _flush(self, auction_id: int) -> None:
        if auction_id in self.in_flight:
            return  # the frame in flight flushes this one once it is written
        waiting = self.pending.pop(auction_id, None)
        if waiting is not None and waiting[1] > self.sent_count.get(auction_id, 0):
            show_id, count, payload = waiting
            self.sent_at[auction_id] = time.monotonic()
            self.sent_count[auction_id] = count
            self.in_flight.add(auction_id)
            self.soon(self._announce(show_id, auction_id, payload))

    async def _announce(self, show_id: int, auction_id: int, payload: dict[str, Any]) -> None:
        try:
            stream, hub = show_group(show_id), get_hub()
            await hub.written(stream, await hub.publish(stream, "bid.placed", payload))
        finally:
            self.in_flight.discard(auction_id)
            if auction_id in self.pending:
                self._flush_when_due(auction_id)

    def soon(self, step: Coroutine[Any, Any, Any]) -> None:
        """Run a send nobody waits for (the bidder has their answer), keeping the task until it is done."""
        task = asyncio.get_running_loop().create_task(step)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("announcing a bid failed", exc_info=task.exception())


_broadcasts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BidBroadcast] = weakref.WeakKeyDictionary()


def bid_broadcast() -> BidBroadcast:
    loop = asyncio.get_running_loop()
    broadcast = _broadcasts.get(loop)
    if broadcast is None:
        broadcast = _broadcasts[loop] = BidBroadcast()
    return broadcast
