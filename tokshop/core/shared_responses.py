"""Shared responses: public answers Django gave once, replayed on the event loop without Django.

A view whose answer is the same for every anonymous visitor asking the same URL marks its response
with `response_share(response, version_key=..., version=...)`: the cache key whose every bump
retires the answer, and the version its data was read under. The request handler then keeps the
response exactly as it left the middleware chain (status, every header, body) in Redis, and
`SharedResponseReplay`, in front of Django, answers the same request with those bytes for as long
as that version is the current one. Nothing is derived: what is replayed is what Django sent, so
the answer cannot differ from Django's own.

"The same request" is what `shared_key` names: method, Accept, scheme, host (as Django validates
it: a host Django refuses never has a key) and path. Requests that may be answered differently
have no key and always reach Django: a query string, an Authorization header, any cookie (a
session, but also a malformed CSRF cookie would make Django send a Set-Cookie), an Accept header
other than the few JSON ones. A response that sets a cookie is never kept.

Which paths are shared, and which version key retires their answers, is learnt from the marked
responses themselves: core knows nothing of the views behind them.
"""

import asyncio
import hashlib
import io
import time
from collections.abc import Callable
from typing import Any

import redis
import redis.asyncio
from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import parse_etags
from django_redis.cache import RedisCache

ENTRY_KEY = "core:shared-response:{digest}"
# An entry of an older version is never replayed; the timeout frees entries nobody asks for again.
ENTRY_TIMEOUT = 300
# Accept headers every JSON API view answers alike (in JSON): other values fall through to Django.
ACCEPTS = frozenset({"", "*/*", "application/json"})
SHARED_STATUSES = frozenset({200, 304})

# (method, route, path, status, seconds): what the request metrics and log record for an answer.
Record = Callable[[str, str, str, int, float], None]


# Path -> the cache key whose version retires its shared answers, learnt from the responses this
# process kept: a path is looked up in Redis only once Django has shared an answer for it here.
_paths: dict[str, str] = {}
# Bounds the memory the paths take (product pages are many); later paths are served by Django.
MAX_PATHS = 10_000


def response_share(response: HttpResponseBase, *, version_key: str, version: int) -> None:
    """Mark a response as every anonymous visitor's answer to this request, valid while the cache
    key `version_key` holds `version`. Only read-only, public data may be shared."""
    response.shared_version = (version_key, version)  # type: ignore[attr-defined]


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (or any entity)."""
    client_has = parse_etags(if_none_match)
    return etag in client_has or "*" in client_has


def shared_key(request: HttpRequest) -> str | None:
    """The key naming every request answered like this one, or None if its answer may differ."""
    meta = request.META
    if (
        request.method not in ("GET", "HEAD")
        or meta.get("QUERY_STRING")
        or "HTTP_AUTHORIZATION" in meta
        or "HTTP_COOKIE" in meta
        or meta.get("HTTP_ACCEPT", "") not in ACCEPTS
    ):
        return None
    try:
        # Scheme and host as Django sees them (proxy headers, ALLOWED_HOSTS) for this request.
        url = request.build_absolute_uri()
    except DisallowedHost:
        return None
    return f"{request.method}|{meta.get('HTTP_ACCEPT', '')}|{url}"


def _entry_key(key: str, status: int) -> str:
    return ENTRY_KEY.format(digest=hashlib.sha256(f"{key}|{status}".encode()).hexdigest()[:40])


def response_keep(request: HttpRequest, response: HttpResponseBase) -> None:
    """Keep a response marked with `response_share`, as it left the middleware, for replay."""
    shared = getattr(response, "shared_version", None)
    if shared is None or response.status_code not in SHARED_STATUSES or response.cookies or response.streaming:
        return
    key = shared_key(request)
    match = request.resolver_match
    if key is None or match is None:
        return
    version_key, version = shared
    # Encoded as Django's ASGI handler encodes them for the server.
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    entry = (version, match.route, response.status_code, headers, response.content)  # type: ignore[attr-defined]
    cache.set(_entry_key(key, response.status_code), entry, ENTRY_TIMEOUT)
    if len(_paths) < MAX_PATHS:
        _paths[request.path] = version_key


class SharedResponseReplay:
    """ASGI middleware answering, on the event loop, requests whose shared answer is kept and
    current; every other request goes to `app` unchanged. `record` is told of every answer it gives,
    as the request middleware would have been."""

    def __init__(self, app: Any, *, record: Record) -> None:
        self.app = app
        self.record = record
        self._redis: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis] | None = None
        # Only the Redis cache is shared between the server's processes.
        self.enabled = isinstance(caches["default"], RedisCache)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not (scope["type"] == "http" and self.enabled and await self._replay(scope, send)):
            await self.app(scope, receive, send)

    def _client(self) -> redis.asyncio.Redis:
        # One client per event loop (a server process has one), whose connections belong to it.
        loop = asyncio.get_running_loop()
        if self._redis is None or self._redis[0] is not loop:
            location = settings.CACHES["default"]["LOCATION"]
            self._redis = (loop, redis.asyncio.Redis.from_url(location, socket_connect_timeout=2, socket_timeout=2))
        return self._redis[1]

    async def aclose(self) -> None:
        """Close the Redis connections of the current event loop's client, before the loop ends."""
        if self._redis is not None:
            await self._redis[1].aclose()
            self._redis = None

    async def _replay(self, scope: dict[str, Any], send: Any) -> bool:
        started = time.perf_counter()
        if scope["method"] not in ("GET", "HEAD") or scope["query_string"]:
            return False
        version_key = _paths.get(scope["path"])
        if version_key is None:
            return False
        request = ASGIRequest(scope, io.BytesIO())
        key = shared_key(request)
        if key is None:
            return False
        if_none_match = request.headers.get("If-None-Match")
        keys = [version_key, _entry_key(key, 200)] + ([_entry_key(key, 304)] if if_none_match else [])
        try:
            found = await self._client().mget([cache.make_key(k) for k in keys])
        except redis.RedisError:
            return False  # Django answers, and reports the outage its own way
        decode = cache.client.decode  # type: ignore[attr-defined]
        version, ok, *rest = (decode(value) if value is not None else None for value in found)
        if version is None or ok is None or ok[0] != version:
            return False
        entry, etag = ok, dict(ok[3]).get(b"ETag")
        if if_none_match is not None and etag is not None and etag_matches(if_none_match, etag.decode("latin1")):
            # Django's own 304 for this version, if it has given one, and for the same body.
            not_modified = rest[0]
            if not_modified is None or not_modified[0] != version or dict(not_modified[3]).get(b"ETag") != etag:
                return False
            entry = not_modified
        _, route, status, headers, body = entry
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self.record(request.method or "GET", route, request.path, status, time.perf_counter() - started)
        return True
