"""The seller's mute words and patterns over the API: their own only, bad input refused."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from moderation.models import ModerationPattern, ModerationWord
from moderation.rules import rules_forget
from moderation.services.check import check_message
from moderation.services.rules import mute_word_add, pattern_add, slow_mode_set

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db

WORDS = reverse("api:seller-mute-words")
PATTERNS = reverse("api:seller-patterns")
SLOW_MODE = reverse("api:seller-slow-mode")


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def seller_client(seller):
    client = APIClient()
    client.force_authenticate(seller)
    return client


def test_a_seller_mutes_a_word_and_the_check_refuses_it_in_their_shows(
    seller, seller_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
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

    for path in (WORDS, PATTERNS, SLOW_MODE, "/api/v1/seller/moderation/words/{word_id}/"):
        assert path in schema["paths"]


def test_a_seller_sets_slow_mode_for_their_shows_and_one_show(
    seller, seller_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        default = seller_client.put(SLOW_MODE, {"seconds": 20}, format="json")
        one_show = seller_client.put(SLOW_MODE, {"seconds": 0, "show_id": 5}, format="json")
        changed = seller_client.put(SLOW_MODE, {"seconds": 30}, format="json")
    listed = seller_client.get(SLOW_MODE).json()
    sender = TrustedUserFactory()

    assert (default.status_code, one_show.status_code, changed.status_code) == (200, 200, 200)
    assert listed == [{"show_id": 5, "seconds": 0}, {"show_id": None, "seconds": 30}]
    assert check_message(sender=sender, text="one", seller_id=seller.pk, show_id=4).code == "ok"
    assert check_message(sender=sender, text="two", seller_id=seller.pk, show_id=4).code == "slow_mode"
    assert check_message(sender=sender, text="three", seller_id=seller.pk, show_id=5).code == "ok"


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": -1},
        {"seconds": 3601},
        {"seconds": 5, "show_id": 0},
        # Past the column's bigint range the database would refuse it: a field error, not a crash.
        {"seconds": 5, "show_id": 2**63},
        {"seconds": 5, "seller": 1},
        {},
    ],
)
def test_bad_slow_mode_is_refused(seller_client, body):
    response = seller_client.put(SLOW_MODE, body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]
    assert seller_client.get(SLOW_MODE).json() == []


def test_another_sellers_slow_mode_is_not_listed(seller_client):
    slow_mode_set(seller=SellerFactory(), seconds=10)

    assert seller_client.get(SLOW_MODE).json() == []


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (WORDS, {"word": "spam", "seller": 1}),
        (PATTERNS, {"pattern": "sp+am", "seller_id": 1}),
    ],
)
def test_fields_the_api_does_not_take_are_refused_by_name(seller, seller_client, url, body):
    response = seller_client.post(url, body, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(body) - {"word", "pattern"}
    assert not ModerationWord.objects.exists()
    assert not ModerationPattern.objects.exists()
