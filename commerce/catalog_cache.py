"""The public catalog's cache: listing pages kept in Redis under one catalog version.

Every cached page's key holds the catalog version, and every write that can change what the public
catalog shows calls `catalog_changed()`, which bumps the version once its transaction commits. A
bumped version makes every older page unreachable at once; they expire on their own.

Why no stale page is served after a change: a reader takes the version *before* it reads the
database. A page built from data older than a commit was therefore built under a version taken
before that commit's bump, and no reader asks for that version once the bump has run.
"""

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "commerce:catalog:version"
PAGE_KEY = "commerce:catalog:{version}:{digest}"
# Pages of a replaced version are unreachable; the timeout only frees their memory. It also bounds
# how long a page can outlive a bump lost to a Redis outage right after a commit.
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


def catalog_cached(*, key: str, build: Callable[[], T]) -> T:
    """The value cached for `key` under the current catalog version, built (and kept) if missing.

    `key` must name everything the value depends on besides the catalog itself (filters, page,
    host). `build` must read only public catalog data: the value is shared by every visitor.
    """
    version = catalog_version()  # before the database is read: see the module docstring
    page_key = PAGE_KEY.format(version=version, digest=hashlib.sha256(key.encode()).hexdigest()[:40])
    value: T | None = cache.get(page_key)
    if value is None:
        value = build()
        cache.set(page_key, value, PAGE_TIMEOUT)
    return value
