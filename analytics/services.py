"""The health report: each part's state, and what the whole adds up to."""

import asyncio
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from redis.exceptions import RedisError

from tokshop.realtime.streams import RedisBackend, backend

from .worker import HEARTBEAT_KEY

OK, DEGRADED, DOWN = "ok", "degraded", "down"
CHANNEL_LAYER_TIMEOUT = 2.0


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    result = check()
    result.setdefault("latency_ms", round((time.perf_counter() - started) * 1000, 2))
    return result


def _database() -> dict[str, Any]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": DOWN, "error": type(exc).__name__}
    return {"status": OK, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _redis() -> dict[str, Any]:
    store = backend()
    if not isinstance(store, RedisBackend):
        return {"status": OK, "mode": "embedded"}
    try:
        store.sync_client.ping()
    except (RedisError, OSError) as exc:
        return {"status": DOWN, "error": type(exc).__name__}
    return {"status": OK}


async def _channel_round_trip() -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    await asyncio.wait_for(layer.receive(channel), timeout=CHANNEL_LAYER_TIMEOUT)


def _channel_layer() -> dict[str, Any]:
    try:
        async_to_sync(_channel_round_trip)()
    except (RedisError, OSError, TimeoutError) as exc:
        return {"status": DOWN, "error": type(exc).__name__}
    return {"status": OK}


def _celery() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": OK, "mode": "in-process"}
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except (RedisError, OSError) as exc:
        return {"status": DOWN, "error": type(exc).__name__}
    if beat is None:
        return {"status": DOWN, "error": "no worker heartbeat"}
    return {"status": OK, "worker": beat["hostname"], "heartbeat_age_s": round(time.time() - beat["at"], 1)}


def _migrations() -> dict[str, Any]:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return {"status": DOWN, "error": type(exc).__name__}
    if pending:
        return {"status": DEGRADED, "pending": len(pending)}
    return {"status": OK, "pending": 0}


def health_report() -> tuple[int, dict[str, Any]]:
    """(HTTP status, body): 503 when the database is down, 200 `degraded` when anything else is."""
    checks = {
        "database": _timed(_database),
        "redis": _timed(_redis),
        "channel_layer": _timed(_channel_layer),
        "celery": _timed(_celery),
        "migrations": _timed(_migrations),
    }
    if checks["database"]["status"] == DOWN:
        return 503, {"status": DOWN, "checks": checks}
    healthy = all(check["status"] == OK for check in checks.values())
    return 200, {"status": OK if healthy else DEGRADED, "checks": checks}
