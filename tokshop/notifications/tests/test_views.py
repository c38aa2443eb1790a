import pytest
from django.urls import reverse

from tokshop.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_list_page_shows_only_the_users_own(signed_in, user, other_user):
    Notification.objects.create(user=user, kind="account", title="Mine")
    Notification.objects.create(user=other_user, kind="account", title="Theirs")

    response = signed_in.get(reverse("notifications:list"))

    assert b"Mine" in response.content
    assert b"Theirs" not in response.content


def test_marking_read_with_htmx_returns_the_panel(signed_in, user, other_user):
    mine = Notification.objects.create(user=user, kind="account", title="Mine")
    theirs = Notification.objects.create(user=other_user, kind="account", title="Theirs")

    response = signed_in.post(reverse("notifications:read"), {"id": mine.pk}, headers={"HX-Request": "true"})
    ignored = signed_in.post(reverse("notifications:read"), {"id": theirs.pk})
    bad = signed_in.post(reverse("notifications:read"), {"id": "x"})

    assert response.status_code == 200
    assert response.context["unread_count"] == 0
    assert ignored.status_code == 302
    assert bad.status_code == 400
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read(signed_in, user):
    for i in range(3):
        Notification.objects.create(user=user, kind="account", title=f"n{i}")

    signed_in.post(reverse("notifications:read"))

    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


@pytest.mark.parametrize("raw_id", ["²", "1e3", "99999999999999999999999"])
def test_marking_read_refuses_ids_that_are_not_ids(signed_in, raw_id):
    assert signed_in.post(reverse("notifications:read"), {"id": raw_id}).status_code == 400
