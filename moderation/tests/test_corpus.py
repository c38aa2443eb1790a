"""S10 of QUALITY.md: the content filters on a labelled corpus of live-chat messages."""

from pathlib import Path

import pytest

from moderation.rules import rules_for, rules_forget
from moderation.services.check import Action, check_content

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus(name: str) -> list[str]:
    lines = (CORPUS / name).read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture
def rules(db):
    rules_forget()
    return rules_for(None)


def test_corpus_is_big_enough_to_measure():
    assert len(corpus("abusive.txt")) >= 100
    assert len(corpus("clean.txt")) >= 200


def test_every_abusive_message_is_caught(rules):
    abusive = corpus("abusive.txt")
    verdicts = {text: check_content(text=text, rules=rules, seller=None, low_trust=False) for text in abusive}
    missed = [text for text, verdict in verdicts.items() if verdict.action in (Action.ALLOW, Action.REPLACE)]
    print(f"moderation_corpus_caught: {len(abusive) - len(missed)}/{len(abusive)} abusive messages")
    assert missed == []


def test_clean_messages_pass_unchanged(rules):
    clean = corpus("clean.txt")
    flagged = {
        text: verdict.code
        for text in clean
        if (verdict := check_content(text=text, rules=rules, seller=None, low_trust=False)).action != Action.ALLOW
    }
    rate = len(flagged) / len(clean)
    print(f"moderation_corpus_false_positives: {len(flagged)}/{len(clean)} clean messages ({rate:.2%})")
    assert rate < 0.01, flagged
