"""Custom patterns: refused when saved with the reason, and linear-time when run."""

import pytest

from moderation.filters import compile_pattern
from moderation.models import ModerationPattern
from moderation.services.rules import pattern_add
from tokshop.core.errors import ApplicationError

from .factories import SellerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "back-references"),
        (r"(?<=pay)me", "back-references"),
        (r"(unclosed", "missing )"),
        (r"(?:a{1000}){1000}", "invalid repetition size"),
        (r"x*", "matches an empty message"),
        (r"", "Enter a pattern"),
        ("a" * 201, "at most 200 characters"),
    ],
)
def test_a_bad_pattern_is_refused_with_why_and_not_saved(pattern, reason):
    seller = SellerFactory()

    with pytest.raises(ApplicationError) as refused:
        pattern_add(seller=seller, pattern=pattern)

    assert reason in refused.value.message
    assert refused.value.fields["pattern"] == [refused.value.message]
    assert not ModerationPattern.objects.exists()


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        (r"(a+)+$", "baaa", "a" * 30 + "!"),
        (r"(a|aa)+$", "aaaa", "a" * 30 + "!"),
        (r"^(\w+\s?)+$", "buy now", "word " * 20 + "!"),
        (r"(x+x+)+y", "xxy", "x" * 40),
    ],
)
def test_patterns_that_backtrack_catastrophically_elsewhere_are_accepted_and_run_linearly(pattern, hit, miss):
    # On a backtracking engine the misses take seconds or more; RE2 does not backtrack, so these are
    # safe to save. bench/moderation.py prints the slowest run of such patterns over the probes.
    compiled = compile_pattern(pattern)

    assert compiled.search(hit) is not None
    assert compiled.search(miss) is None


def test_the_same_pattern_twice_is_one_pattern():
    seller = SellerFactory()
    pattern_add(seller=seller, pattern="swap")

    with pytest.raises(ApplicationError) as refused:
        pattern_add(seller=seller, pattern="swap")

    assert refused.value.code == "duplicate"
    assert ModerationPattern.objects.count() == 1
