"""The normaliser against generated evasions: any mix of leetspeak, repeats and separators."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.filters import WordMatcher, global_matcher, normalize

LEET_FOR = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "b": "8", "g": "9"}
WORDS = ["fuck", "shit", "cunt", "bitch", "asshole", "whore", "slut", "faggot", "bastard", "wanker"]


@st.composite
def evasions(draw):
    word = draw(st.sampled_from(WORDS))
    separator = draw(st.sampled_from(["", " ", ".", "-", "_", " . "]))
    letters = []
    for letter in word:
        spelled = draw(st.sampled_from([letter, letter.upper(), *LEET_FOR.get(letter, "")]))
        # Apart, "55" is a number ("a 55 inch TV"), not two letters; "5" alone or "a55" are letters.
        held = 1 if separator and not spelled.isalpha() else draw(st.integers(1, 3))
        letters.append(spelled * held)
    before = draw(st.sampled_from(["", "you ", "what a ", "so "]))
    after = draw(st.sampled_from(["", "!", " off", " lol", "!!!"]))
    return before + separator.join(letters) + after


@settings(max_examples=400, deadline=None)
@given(evasions())
def test_generated_evasions_of_listed_words_are_caught(text):
    assert global_matcher().find(normalize(text)), text


@pytest.mark.parametrize(
    "text",
    ["fu\u0441k", "\u0455hit", "b\u0456tch", "\uff46\uff55\uff43\uff4b", "f\u00fcck", "\uff33\uff28\uff29\uff34"],
    ids=["cyrillic-es", "cyrillic-dze", "cyrillic-i", "full-width", "accent", "full-width-caps"],
)
def test_look_alike_letters_are_read_as_latin(text):
    assert global_matcher().find(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe",
        "classic",
        "assessment",
        "cocktail",
        "Penistone",
        "shiitake",
        "passage",
        "Essex",
        "$455",
        "4 5 5",
        "a 55 inch TV",
    ],
)
def test_words_that_contain_listed_ones_pass(text):
    assert not global_matcher().find(normalize(text))


def test_a_sellers_phrase_matches_across_normalised_spacing():
    matcher = WordMatcher(["fake item", "ch3ap"])

    assert matcher.find(normalize("a F4KE   item!"))
    assert matcher.find(normalize("so ch3ap"))
    assert not matcher.find(normalize("fake-ish items"))
