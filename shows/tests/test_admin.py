"""Staff see shows, lineups, follows, reminders and schedules in the admin, and end or cancel shows
through the lifecycle services."""

import pytest
from django.urls import reverse
from django.utils import timezone

from shows.models import Follow, Show, ShowReminder, ShowSchedule, ShowStatus
from tokshop.users.tests.factories import UserFactory

from .factories import FollowFactory, LineupItemFactory, ShowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", [Show, Follow, ShowReminder, ShowSchedule])
def test_every_shows_list_opens_with_its_filters_and_search(admin_client, model):
    show = ShowFactory(title="Lamp night")
    LineupItemFactory(show=show)
    FollowFactory(follower=UserFactory(), seller=show.seller)
    ShowReminder.objects.create(user=UserFactory(), show=show)
    url = reverse(f"admin:shows_{model._meta.model_name}_changelist")

    assert admin_client.get(url, {"q": "lamp"}).status_code == 200
    assert admin_client.get(reverse("admin:shows_show_change", args=[show.pk])).status_code == 200
    assert admin_client.get(reverse("admin:shows_show_changelist"), {"status__exact": "live"}).status_code == 200


def test_staff_end_a_show_on_air_and_cancel_a_scheduled_one_and_a_wrong_one_is_reported(admin_client):
    live = ShowFactory(live=True)
    upcoming = ShowFactory()
    ended = ShowFactory(status=ShowStatus.ENDED, started_at=timezone.now(), ended_at=timezone.now())
    url = reverse("admin:shows_show_changelist")

    admin_client.post(url, {"action": "end_shows", "_selected_action": [live.pk]})
    response = admin_client.post(
        url, {"action": "cancel_shows", "_selected_action": [upcoming.pk, ended.pk]}, follow=True
    )

    statuses = dict(Show.objects.values_list("pk", "status"))
    assert statuses == {live.pk: ShowStatus.ENDED, upcoming.pk: ShowStatus.CANCELLED, ended.pk: ShowStatus.ENDED}
    assert "Only a show that has not started can be cancelled." in response.content.decode()
