"""The moderation rules in force, compiled once per process and rebuilt when any of them changes.

Word lists, patterns, link domains and slow-mode settings change rarely and are read on every chat
message, so each process keeps them compiled and compares one version stamp in the shared cache
(read in the same round trip as the sender's sanctions) to know when to rebuild.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .filters import PatternError, WordMatcher, compile_pattern, read_list
from .models import LinkDomain, ModerationPattern, ModerationWord, SlowMode, WordKind

logger = logging.getLogger(__name__)

VERSION_KEY = "moderation:rules-version"


@dataclass(frozen=True)
class Pattern:
    id: int
    compiled: Any
    action: str

    def search(self, text: str) -> bool:
        return self.compiled.search(text) is not None


@dataclass
class SellerRules:
    matcher: WordMatcher | None = None
    patterns: list[Pattern] = field(default_factory=list)
    slow_default: int = 0
    slow_by_show: dict[int, int] = field(default_factory=dict)

    def slow_mode_seconds(self, show_id: int | None) -> int:
        if show_id is not None and show_id in self.slow_by_show:
            return self.slow_by_show[show_id]
        return self.slow_default


@dataclass
class Rules:
    version: str
    matcher: WordMatcher
    patterns: list[Pattern]
    domains: list[str]
    sellers: dict[int, SellerRules] = field(default_factory=dict)


def _compiled(rows: list[ModerationPattern]) -> list[Pattern]:
    patterns = []
    for row in rows:
        try:
            patterns.append(Pattern(row.pk, compile_pattern(row.pattern), row.action))
        except PatternError:
            # Saving validates every pattern; one written around the services is skipped, not fatal.
            logger.warning("moderation pattern %s cannot be compiled and is skipped", row.pk)
    return patterns


def _load_global(version: str) -> Rules:
    words = ModerationWord.objects.filter(seller__isnull=True)
    blocked = [w.word for w in words if w.kind == WordKind.BLOCKED]
    allowed = [w.word for w in words if w.kind == WordKind.ALLOWED]
    site_host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    domains = [site_host, *LinkDomain.objects.values_list("domain", flat=True)]
    return Rules(
        version=version,
        matcher=WordMatcher(
            [*read_list("blocked_words.txt"), *blocked], allowed=[*read_list("allowed_words.txt"), *allowed]
        ),
        patterns=_compiled(list(ModerationPattern.objects.filter(seller__isnull=True))),
        domains=[d for d in domains if d],
    )


def _load_seller(seller_id: int) -> SellerRules:
    words = list(ModerationWord.objects.filter(seller_id=seller_id).values_list("word", flat=True))
    rules = SellerRules(
        matcher=WordMatcher(words) if words else None,
        patterns=_compiled(list(ModerationPattern.objects.filter(seller_id=seller_id))),
    )
    for show_id, seconds in SlowMode.objects.filter(seller_id=seller_id).values_list("show_id", "seconds"):
        if show_id is None:
            rules.slow_default = seconds
        else:
            rules.slow_by_show[show_id] = seconds
    return rules


_lock = threading.Lock()
_rules: Rules | None = None


def rules_for(version: str | None) -> Rules:
    """The compiled rules for `version` (the stamp just read from the cache)."""
    global _rules
    if version is None:
        version = uuid.uuid4().hex
        # Another process may have stamped first: then its stamp is the one in force.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    with _lock:
        if _rules is None or _rules.version != version:
            _rules = _load_global(version)
        return _rules


def rules_current() -> Rules:
    """The rules this process compiled last (the check confirms their version as it goes)."""
    return _rules or rules_for(cache.get(VERSION_KEY))


def seller_rules(rules: Rules, seller_id: int | None) -> SellerRules | None:
    if seller_id is None:
        return None
    found = rules.sellers.get(seller_id)
    if found is None:
        found = rules.sellers[seller_id] = _load_seller(seller_id)
    return found


def rules_changed() -> None:
    """Every process rebuilds its rules on its next check, once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def rules_forget() -> None:
    """Drop this process's compiled rules (tests and benchmarks that change rows directly)."""
    global _rules
    with _lock:
        _rules = None
