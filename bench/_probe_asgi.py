"""`tokshop.asgi:application` with instruments, for investigating a fan-out run (``--asgi``).

Logs to stderr (the server's log under bench/results/logs/):

* ``loop-lag``: the event loop answered a 10 ms timer more than 50 ms late (it was busy or blocked);
* ``gc``: a garbage collection that took more than 20 ms, with its generation and object counts;
* ``hub listeners``: how many listeners this process's hub holds, whenever that changed (checked
  every second) — after every viewer has gone it should be 0.

Nothing in the project is changed; only this process's copy of the application is wrapped.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from typing import Any

from tokshop.asgi import application as tokshop_application
from tokshop.realtime.hub import get_hub

logger = logging.getLogger("bench.probe")
_gc_started: list[float] = []
_lag_task: asyncio.Task[None] | None = None


def _print(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}.{int(time.time() * 1000) % 1000:03d} [probe] {message}", file=sys.stderr)


def _gc_callback(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        took = (time.perf_counter() - _gc_started.pop()) * 1000
        if took > 20:
            _print(f"gc generation {info['generation']} took {took:.0f} ms (collected {info['collected']})")


async def _watch_lag() -> None:
    listeners, checked = -1, 0.0
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        late = (time.perf_counter() - before - 0.01) * 1000
        if late > 50:
            _print(f"loop-lag {late:.0f} ms")
        if before - checked >= 1:
            checked = before
            count = sum(len(group) for group in get_hub().listeners.values())
            if count != listeners:
                listeners = count
                _print(f"hub listeners {count}")


gc.callbacks.append(_gc_callback)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> Any:
    global _lag_task
    if _lag_task is None:
        _lag_task = asyncio.get_running_loop().create_task(_watch_lag())
    return await tokshop_application(scope, receive, send)
