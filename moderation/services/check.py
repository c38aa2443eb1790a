"""The message check every chat and question path calls before storing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from tokshop.core.ratelimit import SlidingLimit, sliding_limits_hit_and_read

from .. import filters
from ..abuse_queue import AbuseReport, abuse_push
from ..models import PatternAction, Sanction, SanctionKind, SanctionScope
from ..rules import VERSION_KEY, Rules, SellerRules, rules_current, rules_for, seller_rules
from ..selectors_trust import NEW_ACCOUNT_AGE, TrustLevel, trust_score

if TYPE_CHECKING:
    from tokshop.users.models import User

# More than this many messages in the window is spam (issue 4: more than 5 in 10 seconds).
RATE_LIMIT = 5
RATE_WINDOW_MS = 10_000
# The same message again within this window is refused: a third copy from a trusted sender,
# a second from a low-trust one.
REPEAT_WINDOW_MS = 60_000
REPEAT_LIMIT = 2
REPEAT_LIMIT_LOW_TRUST = 1
# A sender's standing (sanctions in force and trust level) is cached for the check. Sanction and
# verification changes delete the cached copy on commit; the expiry bounds how long other changes to
# the trust score (orders, chargebacks, upheld reports) take to count, and a check that read the
# database just before a change committed and cached what it read just after.
SANCTIONS_CACHE_SECONDS = 60
# Rejections that are abuse by the sender rather than spam limits, and the reason of the automatic
# warning each one records (`sanctions.abuse_warning_record`), so repeated abuse mutes. Only these
# rejections write.
ABUSE_REASONS = {
    "profanity": "A message with language that isn't allowed",
    "muted_word": "A message with a word the seller muted",
    "pattern": "A message matching something not allowed in the chat",
}
# The trust level each sender had at their last message in this process, for the one limit that is
# counted before the round trip that reads their standing: how often they may repeat themselves.
_LEVELS_SEEN_MAX = 100_000
_levels_seen: dict[int, str] = {}


class Action(StrEnum):
    ALLOW = "allow"
    REPLACE = "replace"
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True)
class Verdict:
    """What to do with a message: `text` is what to store and show (the replacement, if any)."""

    action: Action
    code: str
    message: str
    text: str
    retry_after: int | None = None

    @property
    def is_published(self) -> bool:
        return self.action in (Action.ALLOW, Action.REPLACE)


def _reject(code: str, message: str, text: str, retry_after: int | None = None) -> Verdict:
    return Verdict(Action.REJECT, code, message, text, retry_after)


def _hold(code: str, message: str, text: str) -> Verdict:
    return Verdict(Action.HOLD, code, message, text)


# --- Sanctions as the check reads them --------------------------------------------------------


def _sanctions_key(user_id: int) -> str:
    return f"moderation:standing:{user_id}"


def _sanctions_load(sender: User, now: datetime) -> dict[str, Any]:
    """The sender's mutes and bans in force and their trust level, as cached for the check."""
    rows = Sanction.objects.in_force(now).filter(user_id=sender.pk).exclude(kind=SanctionKind.WARNING)
    active = [
        [s.kind, s.scope, s.seller_id, s.show_id, s.expires_at.timestamp() if s.expires_at else None, s.reason]
        for s in rows
    ]
    state = {"active": active, "trust": trust_score(user=sender, now=now).level.value}
    cache.set(_sanctions_key(sender.pk), state, timeout=SANCTIONS_CACHE_SECONDS)
    return state


def _level_seen(sender: User, now: datetime) -> str:
    level = _levels_seen.get(sender.pk)
    if level is not None:
        return level
    # Not seen yet in this process: an account this new is low-trust whatever else its record holds.
    return TrustLevel.LOW if sender.date_joined > now - NEW_ACCOUNT_AGE else TrustLevel.NORMAL


def _level_remember(sender_id: int, level: str) -> None:
    if len(_levels_seen) >= _LEVELS_SEEN_MAX:
        _levels_seen.clear()
    _levels_seen[sender_id] = level


def _sanction_applies(row: list[Any], seller_id: int | None, show_id: int | None, now_ts: float) -> bool:
    _kind, scope, sanction_seller, sanction_show, expires_ts, _reason = row
    if expires_ts is not None and expires_ts <= now_ts:
        return False
    if scope == SanctionScope.GLOBAL:
        return True
    if scope == SanctionScope.SELLER:
        return sanction_seller == seller_id
    return sanction_show == show_id and show_id is not None


def _sanction_verdict(row: list[Any], text: str) -> Verdict:
    kind, scope, _seller, _show, expires_ts, reason = row
    where = {
        SanctionScope.GLOBAL: "on Tokshop",
        SanctionScope.SELLER: "in this seller's shows",
        SanctionScope.SHOW: "in this show",
    }[scope]
    if expires_ts is None:
        until = "until a moderator lifts it"
    else:
        until = "until " + date_format(
            timezone.localtime(datetime.fromtimestamp(expires_ts, tz=timezone.get_current_timezone())),
            "DATETIME_FORMAT",
        )
    verb = "banned" if kind == SanctionKind.BAN else "muted"
    return _reject(verb, f"You are {verb} {where} {until}. Reason: {reason}", text)


# --- The check ------------------------------------------------------------------------------------


def _limits(
    *, sender_id: int, seller_id: int | None, show_id: int | None, slow_seconds: int, digest: str, low_trust: bool
) -> list[SlidingLimit]:
    limits = []
    if slow_seconds > 0:
        room = f"show-{show_id}" if show_id is not None else f"seller-{seller_id}"
        limits.append(SlidingLimit("chat-slow", f"{room}:{sender_id}", 1, slow_seconds * 1000))
    limits.append(SlidingLimit("chat-rate", str(sender_id), RATE_LIMIT, RATE_WINDOW_MS))
    repeat_limit = REPEAT_LIMIT_LOW_TRUST if low_trust else REPEAT_LIMIT
    limits.append(SlidingLimit("chat-repeat", f"{sender_id}:{digest}", repeat_limit, REPEAT_WINDOW_MS))
    return limits


def check_content(
    *,
    text: str,
    rules: Rules,
    seller: SellerRules | None,
    low_trust: bool,
    normalized: filters.Normalized | None = None,
) -> Verdict:
    """The content filters alone: listed words first, then what holds or rejects (phone numbers,
    payment solicitation, custom patterns), then what only changes the text (capitals, links)."""
    normalized = normalized or filters.normalize(text)
    if rules.matcher.find(normalized):
        return _reject("profanity", "Your message contains language that isn't allowed here.", text)
    if seller is not None and seller.matcher is not None and seller.matcher.find(normalized):
        return _reject("muted_word", "Your message contains a word this seller has muted in their shows.", text)
    if filters.has_phone_number(text):
        return _hold(
            "phone_number",
            "Phone numbers aren't shared in chat; a moderator will look at your message before it is shown.",
            text,
        )
    if filters.solicits_payment(text):
        return _hold(
            "off_platform_payment",
            "Payments happen through Tokshop only; a moderator will look at your message before it is shown.",
            text,
        )
    for pattern in [*rules.patterns, *(seller.patterns if seller else [])]:
        if pattern.search(text):
            if pattern.action == PatternAction.REJECT:
                return _reject("pattern", "Your message matches something not allowed in this chat.", text)
            return _hold("pattern", "A moderator will look at your message before it is shown.", text)

    replaced = text
    notes: list[tuple[str, str]] = []
    if filters.is_shouting(replaced):
        replaced = filters.calm(replaced)
        notes.append(("caps", "Your message was shown without the capitals."))
    links = filters.foreign_links(replaced, rules.domains)
    if links:
        replaced = filters.remove_links(replaced, links)
        notes.append(("link", "Links to other sites were removed from your message."))
    if notes and low_trust:
        # What a trusted sender may post with a change, a low-trust one posts after a moderator looks.
        return _hold(notes[0][0], "A moderator will look at your message before it is shown.", text)
    if notes:
        return Verdict(Action.REPLACE, notes[0][0], " ".join(note for _, note in notes), replaced)
    return Verdict(Action.ALLOW, "ok", "Sent.", text)


def check_message(
    *,
    sender: User,
    text: str,
    seller_id: int | None = None,
    show_id: int | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Decide whether a chat message or question may be stored and shown; call before storing.

    `seller_id` is the seller whose show it is, `show_id` the show (None outside a show). One Redis
    round trip counts the message in the sender's slow-mode, rate and repeat windows and reads the
    rules' version and the sender's cached sanctions; so every message with text counts, refused
    or not, and a flood of refused messages still trips the rate limit.
    """
    now = now or timezone.now()
    text = text.strip()
    valid = bool(text) and len(text) <= filters.MESSAGE_MAX_LENGTH
    normalized = filters.normalize(text) if valid else None
    rules = rules_current()
    seller = seller_rules(rules, seller_id)
    limits = []
    if normalized is not None:
        # The standing is read in the round trip that counts the limits: the repeat limit goes by
        # the level this sender had at their last message.
        limits = _limits(
            sender_id=sender.pk,
            seller_id=seller_id,
            show_id=show_id,
            slow_seconds=seller.slow_mode_seconds(show_id) if seller else 0,
            digest=hashlib.blake2b(normalized.text.encode(), digest_size=12).hexdigest(),
            low_trust=_level_seen(sender, now) == TrustLevel.LOW,
        )
    now_ts = now.timestamp()
    sanctions_key = _sanctions_key(sender.pk)
    exceeded, cached = sliding_limits_hit_and_read(limits, [VERSION_KEY, sanctions_key], now_ms=int(now_ts * 1000))

    sanctions = cached.get(sanctions_key) or _sanctions_load(sender, now)
    _level_remember(sender.pk, sanctions["trust"])
    applying = [row for row in sanctions["active"] if _sanction_applies(row, seller_id, show_id, now_ts)]
    # A ban outranks a mute: the person is told the heavier of the two.
    applying.sort(key=lambda row: row[0] != SanctionKind.BAN)
    if applying:
        return _sanction_verdict(applying[0], text)
    if not text:
        return _reject("empty", "Write a message first.", text)
    if normalized is None:
        return _reject("too_long", f"A message is at most {filters.MESSAGE_MAX_LENGTH} characters.", text)
    if exceeded is not None:
        wait = exceeded.retry_after_seconds
        scope = exceeded.limit.scope
        if scope == "chat-slow":
            return _reject("slow_mode", f"Slow mode is on: you can send another message in {wait} s.", text, wait)
        if scope == "chat-rate":
            return _reject("rate_limited", f"You're sending messages too fast. Try again in {wait} s.", text, wait)
        return _reject("repeated", "You already sent that message.", text, wait)

    version = cached.get(VERSION_KEY)
    if version != rules.version:
        # The rules changed since this process compiled them (the windows above used the previous
        # slow-mode setting, once); the content is judged by the new ones.
        rules = rules_for(version)
        seller = seller_rules(rules, seller_id)
    low_trust = sanctions["trust"] == TrustLevel.LOW
    verdict = check_content(text=text, rules=rules, seller=seller, low_trust=low_trust, normalized=normalized)
    if verdict.action == Action.REJECT and verdict.code in ABUSE_REASONS:
        _abuse_warn(sender_id=sender.pk, code=verdict.code, seller_id=seller_id, show_id=show_id)
    return verdict


def _abuse_warn(*, sender_id: int, code: str, seller_id: int | None, show_id: int | None) -> None:
    """Have the automatic warning recorded (the warning, its audit row, the notice, the escalation)
    off the chat path: queued in Redis, or recorded at once in the embedded default (no Redis, no
    worker)."""
    from ..tasks import abuse_warning_record_task, abuse_warnings_record_task

    if settings.EMBEDDED:
        abuse_warning_record_task.delay(sender_id, code, seller_id, show_id)
    elif abuse_push(AbuseReport(sender_id, code, seller_id, show_id)):
        transaction.on_commit(abuse_warnings_record_task.delay, robust=True)


def sanctions_forget(user_id: int) -> None:
    """Drop the sender's cached standing (sanctions and trust level) once the transaction that
    changed it commits."""
    transaction.on_commit(lambda: cache.delete(_sanctions_key(user_id)))
