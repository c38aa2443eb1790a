"""The public catalog's cache: listing pages kept in Redis under one catalog version.

Every cached page carries the catalog version it was built under, and every write that can change
what the public catalog shows calls `catalog_changed()`, which bumps the version once its
transaction commits. A page is served only while its version is the current one, so one bump
retires every page at once; they are rebuilt on the next read.

Why no stale page is served after a change: a reader takes the version *before* it reads the
database. A page built from data older than a commit was therefore built under a version taken
before that commit's bump, and no page of that version is served once the bump has run.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar, cast

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "commerce:catalog:version"
PAGE_KEY = "commerce:catalog:page:{digest}"
# A page of an older version is never served; the timeout frees pages nobody asks for again. It
# also bounds how long a page can outlive a bump lost to a Redis outage right after a commit.
PAGE_TIMEOUT = 300

T = TypeVar("T")


def catalog_changed() -> None:
    """Drop every cached catalog page once the current transaction commits (at once outside one).

    Call it from every write that changes what the public catalog shows: a product, its pictures,
    its stock, its shop, its category. Calling it twice in one transaction costs one more INCR.
    """
    transaction.on_commit(_version_bump, robust=True)


def _version_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # No version yet (a new or flushed Redis): any fresh one makes every older page unreachable.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)


def catalog_version() -> int:
    """The current catalog version; it only ever grows."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # A clock-based start, so a lost version key never brings back numbers already used.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version)


def catalog_etag(body: bytes) -> str:
    """A strong ETag for a response body: its digest, so equal bodies share it on every server."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


class Cached(NamedTuple, Generic[T]):
    version: int  # the catalog version the value was built under
    value: T


def catalog_cached(*, key: str, build: Callable[[], T]) -> Cached[T]:
    """The value cached for `key` under the current catalog version, built (and kept) if missing.

    `key` must name everything the value depends on besides the catalog itself (filters, page,
    host). `build` must read only public catalog data: the value is shared by every visitor.
    """
    page_key = PAGE_KEY.format(digest=hashlib.sha256(key.encode()).hexdigest()[:40])
    # One round trip reads the version and the page together; the page carries the version it was
    # built under, and serves only while that is still the current one.
    found = cache.get_many([VERSION_KEY, page_key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = catalog_version()
    page = found.get(page_key)
    if page is not None and page[0] == version:
        return Cached(version, cast(T, page[1]))
    # The version was read before the database is: see the module docstring.
    value = build()
    cache.set(page_key, (version, value), PAGE_TIMEOUT)
    return Cached(version, value)
