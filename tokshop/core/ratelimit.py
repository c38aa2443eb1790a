"""Fixed-window rate limits on the shared cache (Redis in production), for pages and services."""

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one action for `key`; True once there were more than `limit` in the current window."""
    cache_key = f"ratelimit:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    # add() starts a window atomically; incr() is atomic on Redis, so concurrent hits all count.
    if cache.add(cache_key, 1, timeout=window):
        return limit < 1
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The window ended between add() and incr(): this hit opens the next one.
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def client_ip(request: HttpRequest) -> str:
    return get_client_ip_address(request) or "unknown"


def rate_limited_post(*, scope: str, limit: int, window: int) -> Callable[[Any], Any]:
    """Refuse a client's POSTs to a page past `limit` per `window` seconds, with a page saying so."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and rate_limit_hit(
                scope=scope, key=client_ip(request), limit=limit, window=window
            ):
                minutes = max(1, window // 60)
                return render(request, "rate_limited.html", {"minutes": minutes}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
