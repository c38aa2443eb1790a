import pytest
from django.urls import reverse

from tokshop.notifications.models import Notification

pytestmark = pytest.mark.django_db

LIST = reverse("api:notification-list")


@pytest.fixture
def notifications(user, other_user):
    made = [Notification.objects.create(user=user, kind="account", title=f"n{i}") for i in range(3)]
    Notification.objects.create(user=other_user, kind="account", title="not yours")
    return made


def test_list_shows_only_the_callers_own_newest_first(user_client, notifications):
    response = user_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [n["title"] for n in body["results"]] == ["n2", "n1", "n0"]


def test_unread_filter_and_count(user_client, notifications):
    user_client.post(reverse("api:notification-read"), {"ids": [notifications[0].pk]}, format="json")

    unread = user_client.get(LIST, {"unread": "true"}).json()
    count = user_client.get(reverse("api:notification-unread-count")).json()

    assert [n["id"] for n in unread["results"]] == [notifications[2].pk, notifications[1].pk]
    assert count == {"unread_count": 2}


def test_read_all(user_client, notifications):
    response = user_client.post(reverse("api:notification-read"), {}, format="json")

    assert response.json() == {"changed": 3, "unread_count": 0}


@pytest.mark.parametrize("ids", [[], ["x"], [0], list(range(1, 102)), "1"])
def test_read_refuses_bad_ids(user_client, notifications, ids):
    response = user_client.post(reverse("api:notification-read"), {"ids": ids}, format="json")

    assert response.status_code == 400
    assert "ids" in response.json()["fields"]
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_preferences_round_trip(user_client):
    url = reverse("api:notification-preferences")

    defaults = {
        "account": True,
        "security": True,
        "announcement": False,
        "orders": True,
        "inventory": True,
        "saved": True,
        "moderation": True,
        "shows": True,
    }
    assert user_client.get(url).json() == defaults
    updated = user_client.patch(url, {"announcement": True, "security": False, "orders": False}, format="json")

    assert updated.json() == {**defaults, "announcement": True, "orders": False}


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(LIST).status_code == 401
    assert api_client.post(reverse("api:notification-read"), {}, format="json").status_code == 401


def test_read_refuses_ids_beyond_any_row(user_client):
    response = user_client.post(reverse("api:notification-read"), {"ids": [10**20]}, format="json")

    assert response.status_code == 400
    assert "ids" in response.json()["fields"]
