"""The seller's mute words and patterns over the API: their own only, bad input refused."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from moderation.models import ModerationPattern, ModerationWord
from moderation.rules import rules_forget
from moderation.services import check_message, mute_word_add, pattern_add

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db

WORDS = reverse("api:seller-mute-words")
PATTERNS = reverse("api:seller-patterns")


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def seller_client(seller):
    client = APIClient()
    client.force_authenticate(seller)
    return client


def test_a_seller_mutes_a_word_and_the_check_refuses_it_in_their_shows(seller, seller_client, commit_callbacks):
    with commit_callbacks(execute=True):
        created = seller_client.post(WORDS, {"word": "  Bargain  "}, format="json")
    listed = seller_client.get(WORDS)
    rules_forget()

    assert created.status_code == 201
    assert created.json()["word"] == "bargain"
    assert [w["word"] for w in listed.json()] == ["bargain"]
    verdict = check_message(sender=TrustedUserFactory(), text="b a r g a i n!", seller_id=seller.pk)
    assert verdict.code == "muted_word"


def test_muting_a_word_twice_keeps_one(seller, seller_client):
    first = seller_client.post(WORDS, {"word": "swap"}, format="json")
    second = seller_client.post(WORDS, {"word": "SWAP"}, format="json")

    assert first.json()["id"] == second.json()["id"]
    assert ModerationWord.objects.filter(seller=seller).count() == 1


def test_a_blank_word_is_refused(seller_client):
    response = seller_client.post(WORDS, {"word": "   "}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "word" in response.json()["fields"]
    assert not ModerationWord.objects.exists()


def test_another_sellers_words_and_patterns_are_invisible_and_untouchable(seller_client):
    other = SellerFactory()
    word = mute_word_add(seller=other, word="secret")
    pattern = pattern_add(seller=other, pattern="hidden")

    words = seller_client.get(WORDS).json()
    patterns = seller_client.get(PATTERNS).json()
    delete_word = seller_client.delete(reverse("api:seller-mute-word", args=[word.pk]))
    delete_pattern = seller_client.delete(reverse("api:seller-pattern", args=[pattern.pk]))

    assert words == []
    assert patterns == []
    assert (delete_word.status_code, delete_pattern.status_code) == (404, 404)
    assert ModerationWord.objects.filter(pk=word.pk).exists()
    assert ModerationPattern.objects.filter(pk=pattern.pk).exists()


def test_a_seller_removes_their_own_word_and_pattern(seller, seller_client):
    word = mute_word_add(seller=seller, word="cheap")
    pattern = pattern_add(seller=seller, pattern="swap")

    assert seller_client.delete(reverse("api:seller-mute-word", args=[word.pk])).status_code == 204
    assert seller_client.delete(reverse("api:seller-pattern", args=[pattern.pk])).status_code == 204
    assert not ModerationWord.objects.exists()
    assert not ModerationPattern.objects.exists()


def test_a_seller_adds_a_pattern(seller_client):
    response = seller_client.post(
        PATTERNS, {"pattern": r"\bgiveaway\b", "action": "reject", "description": "No giveaways"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["action"] == "reject"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"pattern": r"(a)\1"}, "back-references"),
        ({"pattern": r".*"}, "matches an empty message"),
        ({"pattern": "ok", "action": "ban"}, "not a valid choice"),
    ],
)
def test_a_bad_pattern_is_refused_with_why(seller_client, body, reason):
    response = seller_client.post(PATTERNS, body, format="json")

    assert response.status_code == 400
    assert reason in str(response.json()["fields"])
    assert not ModerationPattern.objects.exists()


def test_only_sellers_use_the_seller_moderation_api(api_client):
    buyer = APIClient()
    buyer.force_authenticate(TrustedUserFactory())

    assert api_client.get(WORDS).status_code == 401
    assert buyer.get(WORDS).status_code == 403
    assert buyer.post(PATTERNS, {"pattern": "x"}, format="json").status_code == 403


def test_the_seller_moderation_api_is_in_the_openapi_schema(api_client):
    schema = api_client.get(reverse("schema"), {"format": "json"}).json()

    for path in (WORDS, PATTERNS, "/api/v1/seller/moderation/words/{word_id}/"):
        assert path in schema["paths"]
