"""Rate limits as one shared service: sliding windows counted by an atomic script on Redis (memory in
the embedded default), for chat, sign-up, sign-in, socket tickets and anything else that needs
"no more than N in any W seconds"."""

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import NoScriptError

from .errors import RateLimited

# --- Sliding windows -------------------------------------------------------------------------
# A fixed window lets a burst straddle its edge (twice the limit within a few seconds), so each
# window keeps its hits' times in a sorted set and one script checks and counts all of them at once.

SLIDING_WINDOW_SCRIPT = """
local now = tonumber(ARGV[1])
local count = #KEYS
for i = 1, count do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {i, tonumber(oldest[2]) + window - now}
  end
end
for i = 1, count do
  local window = tonumber(ARGV[2 * i + 1])
  local seq = redis.call('INCR', KEYS[i] .. ':seq')
  redis.call('PEXPIRE', KEYS[i] .. ':seq', window)
  redis.call('ZADD', KEYS[i], now, now .. '-' .. seq)
  redis.call('PEXPIRE', KEYS[i], window)
end
return {0, 0}
"""


@dataclass(frozen=True)
class SlidingLimit:
    """At most `limit` hits for `key` in any `window_ms` milliseconds."""

    scope: str
    key: str
    limit: int
    window_ms: int


@dataclass(frozen=True)
class LimitExceeded:
    limit: SlidingLimit
    retry_after_ms: int

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after_ms / 1000))


class _RedisWindows:
    def __init__(self, client: Any = None) -> None:
        from django_redis import get_redis_connection

        self._client = client if client is not None else get_redis_connection("default")
        self._script = self._client.register_script(SLIDING_WINDOW_SCRIPT)

    @staticmethod
    def _script_input(limits: Sequence[SlidingLimit], now_ms: int) -> tuple[list[str], list[int]]:
        keys = [f"{settings.REDIS_KEY_PREFIX}:window:{limit.scope}:{limit.key}" for limit in limits]
        args: list[int] = [now_ms]
        for limit in limits:
            args += [limit.limit, limit.window_ms]
        return keys, args

    def hit(self, limits: Sequence[SlidingLimit], now_ms: int) -> tuple[int, int]:
        keys, args = self._script_input(limits, now_ms)
        index, wait = self._script(keys=keys, args=args)
        return int(index), int(wait)

    def hit_and_read(
        self, limits: Sequence[SlidingLimit], now_ms: int, cache_keys: Sequence[str]
    ) -> tuple[tuple[int, int], dict[str, Any]]:
        # One pipeline, so one round trip: the cache values and the script's answer come back together.
        client: Any = cache.client  # type: ignore[attr-defined]
        keys, args = self._script_input(limits, now_ms)
        for attempt in range(2):
            pipe = self._client.pipeline(transaction=False)
            pipe.mget([client.make_key(key) for key in cache_keys])
            # EVALSHA itself: a Script object in a pipeline asks SCRIPT EXISTS first, a second round trip.
            pipe.evalsha(self._script.sha, len(keys), *keys, *args)
            try:
                values, (index, wait) = pipe.execute()
                break
            except NoScriptError:
                # Redis restarted or its scripts were flushed: load it again; nothing was counted.
                if attempt:
                    raise
                self._client.script_load(SLIDING_WINDOW_SCRIPT)
        read = {key: client.decode(value) for key, value in zip(cache_keys, values, strict=True) if value is not None}
        return (int(index), int(wait)), read


class _MemoryWindows:
    """The embedded default (one process, no Redis): the same rule over in-memory deques."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[int]] = {}

    def hit(self, limits: Sequence[SlidingLimit], now_ms: int) -> tuple[int, int]:
        with self._lock:
            windows = []
            for index, limit in enumerate(limits, start=1):
                hits = self._hits.setdefault((limit.scope, limit.key), deque())
                while hits and hits[0] <= now_ms - limit.window_ms:
                    hits.popleft()
                if len(hits) >= limit.limit:
                    return index, hits[0] + limit.window_ms - now_ms
                windows.append(hits)
            for hits in windows:
                hits.append(now_ms)
            return 0, 0

    def hit_and_read(
        self, limits: Sequence[SlidingLimit], now_ms: int, cache_keys: Sequence[str]
    ) -> tuple[tuple[int, int], dict[str, Any]]:
        return self.hit(limits, now_ms), cache.get_many(cache_keys)


@lru_cache(maxsize=1)
def _windows() -> _RedisWindows | _MemoryWindows:
    return _MemoryWindows() if settings.EMBEDDED else _RedisWindows()


def sliding_limits_hit(limits: Sequence[SlidingLimit], *, now_ms: int | None = None) -> LimitExceeded | None:
    """Count one hit against every limit, atomically: the first limit already full is returned and
    nothing is counted; otherwise the hit is recorded in all of them and None is returned."""
    if not limits:
        return None
    index, wait = _windows().hit(limits, time.time_ns() // 1_000_000 if now_ms is None else now_ms)
    return LimitExceeded(limits[index - 1], wait) if index else None


def sliding_limits_hit_and_read(
    limits: Sequence[SlidingLimit], cache_keys: Sequence[str], *, now_ms: int | None = None
) -> tuple[LimitExceeded | None, dict[str, Any]]:
    """`sliding_limits_hit`, plus `cache.get_many(cache_keys)` in the same Redis round trip, for
    checks on every chat message that need a few cached values as well as the limits."""
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    (index, wait), read = _windows().hit_and_read(limits, now_ms, cache_keys)
    return (LimitExceeded(limits[index - 1], wait) if index else None), read


# --- Named limits for requests and services ---------------------------------------------------

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """At most `limit` actions in any `seconds`: written "10/hour" in settings.RATE_LIMITS."""

    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        count, _, period = text.partition("/")
        return cls(int(count), _PERIODS[period.strip().rstrip("s")])


def client_ip(request: HttpRequest) -> str:
    return get_client_ip_address(request) or "unknown"


def wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def rate_limit_exceeded(*, scope: str, key: str, rate: Rate | None = None) -> LimitExceeded | None:
    """Count one action by `key` (an address, an account, an e-mail) in `scope`; the refusal, if the
    window was already full (a refused action is not counted). `rate` defaults to RATE_LIMITS[scope]."""
    rate = rate or Rate.parse(settings.RATE_LIMITS[scope])
    # Hashed: keys may be e-mail addresses, which have no business in Redis key names.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return sliding_limits_hit([SlidingLimit(scope, digest, rate.limit, rate.seconds * 1000)])


def rate_limit_enforce(*, scope: str, key: str, rate: Rate | None = None, message: str = "") -> None:
    """`rate_limit_exceeded`, raising RateLimited (429, with the seconds to wait) on a refusal."""
    exceeded = rate_limit_exceeded(scope=scope, key=key, rate=rate)
    if exceeded is not None:
        wait = exceeded.retry_after_seconds
        raise RateLimited(message or f"Too many attempts. Try again in {wait_words(wait)}.", retry_after=wait)


def rate_limited_post(*, scope: str) -> Callable[[Any], Any]:
    """Refuse a client's POSTs to a page past RATE_LIMITS[scope], with a page saying how long to wait."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                exceeded = rate_limit_exceeded(scope=scope, key=client_ip(request))
                if exceeded is not None:
                    wait = exceeded.retry_after_seconds
                    response = render(request, "rate_limited.html", {"wait": wait_words(wait)}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
