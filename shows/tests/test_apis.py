"""The shows API: finding shows, the host's shows, lineups and lifecycle, schedules, follows and
reminders; refusals leave everything as it was."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.tests.factories import ProductFactory
from shows.models import Follow, Show, ShowReminder, ShowSchedule, ShowStatus, Visibility
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import FollowFactory, LineupItemFactory, ShowFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def seller():
    return SellerProfileFactory().user


@pytest.fixture
def host(seller):
    return client_for(seller)


def titles(response):
    return [show["title"] for show in response.json()["results"]]


def test_the_list_has_live_then_upcoming_shows_anyone_may_find():
    ShowFactory(title="Later", scheduled_start=timezone.now() + timedelta(days=2))
    ShowFactory(title="Sooner")
    ShowFactory(title="On air", live=True)
    ShowFactory(title="Private", visibility=Visibility.PRIVATE)
    members = ShowFactory(title="Members", visibility=Visibility.FOLLOWERS)
    fan = UserFactory()
    FollowFactory(follower=fan, seller=members.seller)

    anyone = APIClient().get(reverse("api:shows"))
    follower = client_for(fan).get(reverse("api:shows"))

    assert titles(anyone) == ["On air", "Sooner", "Later"]
    assert titles(follower) == ["On air", "Sooner", "Members", "Later"]
    show = anyone.json()["results"][0]
    assert show["ws_url"] == f"/ws/shows/{show['id']}/"
    assert "private_token" not in show


def test_search_and_filters():
    jazz = ShowFactory(title="Jazz first pressings", tags="vinyl")
    ShowFactory(title="Cameras", description="Also some jazz records", live=True)
    ShowFactory(title="Jazz that ended", status=ShowStatus.ENDED, started_at=timezone.now(), ended_at=timezone.now())
    api = APIClient()

    assert titles(api.get(reverse("api:shows"), {"q": "jazz"})) == ["Jazz first pressings", "Cameras"]
    assert titles(api.get(reverse("api:shows"), {"when": "live"})) == ["Cameras"]
    assert titles(api.get(reverse("api:shows"), {"when": "ended", "q": "jazz"})) == ["Jazz that ended"]
    assert titles(api.get(reverse("api:shows"), {"seller_id": jazz.seller_id})) == ["Jazz first pressings"]
    assert api.get(reverse("api:shows"), {"when": "soon"}).status_code == 400


def test_a_show_detail_keeps_to_its_audience():
    private = ShowFactory(visibility=Visibility.PRIVATE)
    LineupItemFactory(show=private)
    api = APIClient()

    refused = api.get(reverse("api:show", args=[private.pk]))
    opened = api.get(reverse("api:show", args=[private.pk]), {"key": private.private_token})

    assert (refused.status_code, refused.json()["code"]) == (403, "not_invited")
    assert opened.status_code == 200
    assert len(opened.json()["lineup"]) == 1
    assert api.get(reverse("api:show", args=[987654])).status_code == 404


def test_a_host_schedules_edits_and_runs_a_show(host, seller):
    a, b = ProductFactory(seller=seller), ProductFactory(seller=seller)
    start = (timezone.now() + timedelta(days=1)).isoformat()

    created = host.post(
        reverse("api:seller-shows"),
        {"title": "Lamps", "scheduled_start": start, "tags": ["Lamp"], "product_ids": [b.pk, a.pk]},
        format="json",
    )
    show_id = created.json()["id"]
    patched = host.patch(reverse("api:seller-show", args=[show_id]), {"title": "Lamps!"}, format="json")
    lineup = host.put(reverse("api:seller-show-lineup", args=[show_id]), {"product_ids": [a.pk]}, format="json")
    steps = [
        host.post(reverse(f"api:seller-show-{step}", args=[show_id])).json()["status"]
        for step in ("go-live", "pause", "resume", "end", "restart", "end")
    ]

    assert created.status_code == 201
    assert created.json()["private_token"]
    assert [item["product_id"] for item in created.json()["lineup"]] == [b.pk, a.pk]
    assert patched.json()["title"] == "Lamps!"
    assert [item["product_id"] for item in lineup.json()] == [a.pk]
    assert steps == ["live", "paused", "live", "ended", "live", "ended"]
    assert titles(host.get(reverse("api:seller-shows"))) == ["Lamps!"]


def test_the_host_api_refuses_wrong_steps_and_protected_fields_and_changes_nothing(host, seller):
    show = ShowFactory(seller=seller)
    before = Show.objects.filter(pk=show.pk).values().get()

    pause = host.post(reverse("api:seller-show-pause", args=[show.pk]))
    protected = host.patch(reverse("api:seller-show", args=[show.pk]), {"status": "live", "seller": 1}, format="json")
    lineup_in_patch = host.patch(reverse("api:seller-show", args=[show.pk]), {"product_ids": []}, format="json")
    foreign = host.put(
        reverse("api:seller-show-lineup", args=[show.pk]), {"product_ids": [ProductFactory().pk]}, format="json"
    )
    past = host.post(
        reverse("api:seller-shows"), {"title": "Old", "scheduled_start": "2001-01-01T00:00:00Z"}, format="json"
    )

    assert (pause.status_code, pause.json()["code"]) == (409, "invalid_status")
    assert protected.status_code == 400
    assert set(protected.json()["fields"]) == {"status", "seller"}
    assert lineup_in_patch.status_code == 400
    assert (foreign.status_code, list(foreign.json()["fields"])) == (400, ["product_ids"])
    assert (past.status_code, list(past.json()["fields"])) == (400, ["scheduled_start"])
    assert Show.objects.filter(pk=show.pk).values().get() == before
    assert Show.objects.count() == 1


def test_another_sellers_show_is_404_to_the_host_api(host):
    show = ShowFactory()
    for name in ("seller-show", "seller-show-go-live", "seller-show-cancel"):
        method = "get" if name == "seller-show" else "post"
        assert getattr(host, method)(reverse(f"api:{name}", args=[show.pk])).status_code == 404
    show.refresh_from_db()
    assert show.status == ShowStatus.SCHEDULED


def test_a_buyer_is_not_a_host():
    response = client_for(UserFactory()).get(reverse("api:seller-shows"))
    assert response.status_code == 403


def test_schedules_over_the_api(host, seller):
    lamp = ProductFactory(seller=seller)
    body = {
        "title": "Weekly",
        "frequency": "weekly",
        "weekdays": [1, 4],
        "time_of_day": "19:30",
        "time_zone": "Europe/Berlin",
        "starts_on": timezone.localdate().isoformat(),
        "product_ids": [lamp.pk],
    }

    created = host.post(reverse("api:seller-schedules"), body, format="json")
    schedule_id = created.json()["id"]
    patched = host.patch(reverse("api:seller-schedule", args=[schedule_id]), {"weekdays": [2]}, format="json")
    stopped = host.post(reverse("api:seller-schedule-stop", args=[schedule_id]))
    bad = host.post(reverse("api:seller-schedules"), {**body, "time_zone": "Nowhere/Land"}, format="json")

    assert created.status_code == 201
    assert created.json()["weekdays"] == [1, 4]
    assert created.json()["product_ids"] == [lamp.pk]
    assert patched.json()["weekdays"] == [2]
    assert stopped.json()["is_running"] is False
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["time_zone"])
    assert ShowSchedule.objects.count() == 1
    assert [s["id"] for s in host.get(reverse("api:seller-schedules")).json()["results"]] == [schedule_id]


def test_follows_and_reminders_over_the_api(seller):
    fan = client_for(UserFactory())
    show = ShowFactory(seller=seller)

    followed = fan.put(reverse("api:seller-follow", args=[seller.pk]))
    again = fan.put(reverse("api:seller-follow", args=[seller.pk]))
    reminded = fan.put(reverse("api:show-reminder", args=[show.pk]), {}, format="json")
    following = fan.get(reverse("api:my-following")).json()["results"]
    reminders = fan.get(reverse("api:my-reminders")).json()["results"]

    assert followed.status_code == again.status_code == reminded.status_code == 200
    assert [f["seller"]["id"] for f in following] == [seller.pk]
    assert [r["show"]["id"] for r in reminders] == [show.pk]
    assert fan.delete(reverse("api:seller-follow", args=[seller.pk])).status_code == 204
    assert fan.delete(reverse("api:show-reminder", args=[show.pk])).status_code == 204
    assert not Follow.objects.exists()
    assert not ShowReminder.objects.exists()


def test_follow_and_reminder_refusals(seller):
    user = UserFactory()
    api = client_for(user)
    live = ShowFactory(seller=seller, live=True)

    myself = client_for(seller).put(reverse("api:seller-follow", args=[seller.pk]))
    not_a_seller = api.put(reverse("api:seller-follow", args=[UserFactory().pk]))
    started = api.put(reverse("api:show-reminder", args=[live.pk]), {}, format="json")
    anonymous = APIClient().put(reverse("api:seller-follow", args=[seller.pk]))

    assert (myself.status_code, myself.json()["code"]) == (400, "self_follow")
    assert not_a_seller.status_code == 404
    assert (started.status_code, started.json()["code"]) == (409, "not_upcoming")
    assert anonymous.status_code in (401, 403)
    assert not Follow.objects.exists()
    assert not ShowReminder.objects.exists()


def test_a_host_sets_and_removes_a_thumbnail(host, seller, tmp_path, settings, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commerce.tests.factories import picture_upload

    settings.MEDIA_ROOT = tmp_path
    show = ShowFactory(seller=seller)
    url = reverse("api:seller-show-thumbnail", args=[show.pk])

    set_ = host.post(url, {"image": picture_upload()}, format="multipart")
    bad = host.post(url, {"image": SimpleUploadedFile("x.png", b"no", content_type="image/png")}, format="multipart")
    kept = Show.objects.get(pk=show.pk).thumbnail.name
    with django_capture_on_commit_callbacks(execute=True):
        removed = host.delete(url)

    assert set_.status_code == 200
    assert set_.json()["thumbnail"].endswith(".png")
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["thumbnail"])
    assert kept
    assert removed.json()["thumbnail"] is None
    assert not (tmp_path / kept).exists()


def test_a_host_appoints_and_removes_a_moderator_of_one_show(host, seller):
    from moderation.models import SellerModerator

    show = ShowFactory(seller=seller)
    helper = UserFactory(email="helper@example.com")
    url = reverse("api:seller-show-moderators", args=[show.pk])

    added = host.post(url, {"email": "helper@example.com"}, format="json")
    unknown = host.post(url, {"email": "nobody@example.com"}, format="json")
    listed = host.get(url).json()
    removed = host.delete(reverse("api:seller-show-moderator", args=[show.pk, helper.pk]))

    assert added.status_code == 201
    assert unknown.status_code == 404
    assert [entry["user_id"] for entry in listed] == [helper.pk]
    assert removed.status_code == 204
    assert not SellerModerator.objects.exists()
