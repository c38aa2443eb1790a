"""The chat rules sellers and staff set: mute words, custom patterns, link domains and slow mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from tokshop.core.errors import ApplicationError, NotFound

from .. import filters
from ..models import ModerationPattern, ModerationWord, PatternAction, SlowMode, WordKind
from ..rules import rules_changed

if TYPE_CHECKING:
    from tokshop.users.models import User

WORD_MAX_LENGTH = 60


def _clean_word(word: str) -> str:
    cleaned = " ".join(word.lower().split())
    if not cleaned:
        raise ApplicationError("Enter a word.", fields={"word": ["Enter a word."]})
    if len(cleaned) > WORD_MAX_LENGTH:
        message = f"A word is at most {WORD_MAX_LENGTH} characters."
        raise ApplicationError(message, fields={"word": [message]})
    return cleaned


@transaction.atomic
def mute_word_add(*, seller: User, word: str) -> ModerationWord:
    """Mute a word in the seller's own shows; adding one already muted returns it."""
    cleaned = _clean_word(word)
    entry, _created = ModerationWord.objects.get_or_create(seller=seller, kind=WordKind.BLOCKED, word=cleaned)
    rules_changed()
    return entry


@transaction.atomic
def mute_word_remove(*, seller: User, word_id: int) -> None:
    deleted, _ = ModerationWord.objects.filter(pk=word_id, seller=seller).delete()
    if not deleted:
        raise NotFound("No such muted word.")
    rules_changed()


def pattern_validate(pattern: str) -> None:
    """Refuse a pattern that is invalid, catches every message or runs too long, saying why."""
    try:
        filters.validate_pattern(pattern)
    except filters.PatternError as error:
        raise ApplicationError(str(error), fields={"pattern": [str(error)]}) from None


@transaction.atomic
def pattern_add(
    *, seller: User | None, pattern: str, action: str = PatternAction.HOLD, description: str = ""
) -> ModerationPattern:
    """Add a custom pattern for a seller's shows, or for everyone when `seller` is None (staff)."""
    pattern_validate(pattern)
    try:
        with transaction.atomic():
            entry = ModerationPattern.objects.create(
                seller=seller, pattern=pattern, action=action, description=description.strip()
            )
    except IntegrityError:
        raise ApplicationError(
            "You already have this pattern.", code="duplicate", fields={"pattern": ["You already have this pattern."]}
        ) from None
    rules_changed()
    return entry


@transaction.atomic
def pattern_remove(*, seller: User, pattern_id: int) -> None:
    deleted, _ = ModerationPattern.objects.filter(pk=pattern_id, seller=seller).delete()
    if not deleted:
        raise NotFound("No such pattern.")
    rules_changed()


@transaction.atomic
def rule_row_save(*, row: Any) -> None:
    """Save a word, pattern, link domain or slow-mode row edited in the admin."""
    if isinstance(row, ModerationPattern):
        pattern_validate(row.pattern)
    row.save()
    rules_changed()


@transaction.atomic
def rule_row_delete(*, row: Any) -> None:
    row.delete()
    rules_changed()


@transaction.atomic
def slow_mode_set(*, seller: User, seconds: int, show_id: int | None = None) -> SlowMode:
    """Set the seller's slow mode: their default (no show) or one show's; 0 turns it off."""
    entry, _ = SlowMode.objects.update_or_create(seller=seller, show_id=show_id, defaults={"seconds": seconds})
    rules_changed()
    return entry
