"""The shows pages through the Django test client: the seller's scheduling pages, the show page
before, during and after the show, listings and search, follows and reminders."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.tests.factories import ProductFactory
from moderation.models import SellerModerator
from shows.models import Follow, Show, ShowReminder, ShowSchedule, ShowStatus, Visibility
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import FollowFactory, LineupItemFactory, ShowFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def seller(client):
    seller = SellerProfileFactory().user
    client.force_login(seller)
    return seller


def start_field(hours=3):
    return (timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_a_seller_schedules_a_show_typed_in_their_time_zone(client, seller):
    lamp = ProductFactory(seller=seller, title="Lamp")
    local = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)

    response = client.post(
        reverse("shows:seller_show_new"),
        {
            "title": "Lamps live",
            "scheduled_start": local.strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Asia/Tokyo",
            "visibility": "public",
            "chat_enabled": "on",
            "products": [lamp.pk],
        },
    )

    show = Show.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("shows:seller_show_edit", args=[show.pk])
    # Typed as Tokyo's wall clock (UTC+9): stored nine hours earlier in UTC.
    assert show.scheduled_start == local.replace(tzinfo=UTC) - timedelta(hours=9)
    assert (show.chat_enabled, show.questions_enabled) == (True, False)
    assert list(show.lineup.values_list("product__title", flat=True)) == ["Lamp"]
    page = client.get(response["Location"])
    assert b"Lamps live" in page.content
    assert b'data-utc="' in page.content


def test_a_bad_show_form_is_shown_again_with_its_errors_and_saves_nothing(client, seller):
    response = client.post(
        reverse("shows:seller_show_new"),
        {"title": "Past", "scheduled_start": "2001-01-01T10:00", "visibility": "public"},
    )
    assert response.status_code == 200
    assert "Choose a time in the future." in response.content.decode()
    assert not Show.objects.exists()


def test_the_seller_edits_the_lineup_and_moderators_on_the_show_page(client, seller):
    show = ShowFactory(seller=seller, visibility=Visibility.PRIVATE)
    a, b = ProductFactory(seller=seller, title="Alpha"), ProductFactory(seller=seller, title="Beta")
    helper = UserFactory(email="helper@example.com")
    edit = reverse("shows:seller_show_edit", args=[show.pk])

    client.post(reverse("shows:seller_lineup_add", args=[show.pk]), {"product": a.pk})
    client.post(reverse("shows:seller_lineup_add", args=[show.pk]), {"product": b.pk})
    beta = show.lineup.get(product=b)
    client.post(reverse("shows:seller_lineup_move", args=[show.pk, beta.pk]), {"direction": "up"})
    client.post(reverse("shows:seller_show_moderator_add", args=[show.pk]), {"email": helper.email})
    page = client.get(edit).content.decode()

    assert list(show.lineup.order_by("position").values_list("product__title", flat=True)) == ["Beta", "Alpha"]
    assert SellerModerator.objects.get(moderator=helper).show_id == show.pk
    assert f"?key={show.private_token}" in page
    assert "helper@example.com" in page
    client.post(reverse("shows:seller_lineup_remove", args=[show.pk, beta.pk]))
    client.post(reverse("shows:seller_show_moderator_remove", args=[show.pk, helper.pk]))
    assert list(show.lineup.values_list("product__title", flat=True)) == ["Alpha"]
    assert not SellerModerator.objects.exists()


def test_the_seller_cancels_and_restarts_from_the_page_and_a_wrong_step_says_why(client, seller):
    show = ShowFactory(seller=seller)
    status = reverse("shows:seller_show_status", args=[show.pk])

    client.post(status, {"action": "pause"})
    refused = client.get(reverse("shows:seller_show_edit", args=[show.pk])).content.decode()
    client.post(status, {"action": "cancel"})

    assert "Only a live show can be paused." in refused
    show.refresh_from_db()
    assert show.status == ShowStatus.CANCELLED


def test_the_console_offers_the_hosts_buttons_for_the_status(client, seller):
    show = ShowFactory(seller=seller)
    console = reverse("shows:console", args=[show.pk])

    page = client.get(console).content.decode()
    client.post(reverse("shows:seller_show_status", args=[show.pk]), {"action": "go_live", "next": "console"})
    live = client.get(console).content.decode()

    assert 'data-control="go_live">' in page
    assert 'data-control="pause" data-socket-type="show.pause" hidden' in page
    assert 'data-control="go_live" hidden' in live
    assert 'data-control="pause" data-socket-type="show.pause">' in live
    assert 'data-testid="console-lineup"' in live


def test_the_sellers_list_groups_shows_and_schedules(client, seller):
    ShowFactory(seller=seller, title="Upcoming one")
    ShowFactory(seller=seller, title="On air one", live=True)
    ShowFactory(title="Someone else's")
    client.post(
        reverse("shows:seller_schedule_new"),
        {
            "title": "Weekly finds",
            "frequency": "weekly",
            "weekdays": [0, 3],
            "time_of_day": "19:00",
            "schedule_time_zone": "Europe/Paris",
            "starts_on": timezone.localdate().isoformat(),
            "visibility": "public",
        },
    )

    page = client.get(reverse("shows:seller_shows")).content.decode()

    schedule = ShowSchedule.objects.get()
    assert schedule.weekdays == "03"
    assert "Upcoming one" in page
    assert "On air one" in page
    assert "Weekly finds" in page
    assert "Someone else&#x27;s" not in page
    edit = client.get(reverse("shows:seller_schedule_edit", args=[schedule.pk])).content.decode()
    assert edit.count('data-testid="schedule-show"') == Show.objects.filter(schedule=schedule).count() > 0
    client.post(reverse("shows:seller_schedule_stop", args=[schedule.pk]))
    assert not Show.objects.filter(schedule=schedule, status=ShowStatus.SCHEDULED).exists()


def test_the_seller_pages_are_for_sellers(client):
    client.force_login(UserFactory())
    assert client.get(reverse("shows:seller_shows")).status_code == 302
    assert client.get(reverse("shows:seller_show_new")).status_code == 302


def test_an_upcoming_show_has_its_details_countdown_lineup_and_buttons(client):
    show = ShowFactory(title="Vinyl night", description="Records.")
    LineupItemFactory(show=show, product=ProductFactory(seller=show.seller, title="Kind of Blue"))
    fan = UserFactory()
    client.force_login(fan)

    page = client.get(show.get_absolute_url()).content.decode()
    client.post(reverse("shows:remind", args=[show.pk]))
    client.post(reverse("shows:follow", args=[show.seller_id]), {"next": show.get_absolute_url()})
    after = client.get(show.get_absolute_url()).content.decode()

    assert 'data-testid="countdown"' in page
    assert "Kind of Blue" in page
    assert "Remind me" in page
    assert "Reminder set" in after
    assert "Following" in after
    assert ShowReminder.objects.filter(user=fan, show=show).exists()
    assert Follow.objects.filter(follower=fan, seller=show.seller).exists()
    client.post(reverse("shows:remind", args=[show.pk]), {"remind": "0"})
    client.post(reverse("shows:follow", args=[show.seller_id]), {"follow": "0"})
    assert not ShowReminder.objects.exists()
    assert not Follow.objects.exists()


def test_a_show_on_air_is_the_live_room_with_its_parts(client):
    show = ShowFactory(live=True)
    viewer = UserFactory()
    client.force_login(viewer)

    page = client.get(show.get_absolute_url()).content.decode()

    assert 'id="room"' in page
    assert f'data-show-id="{show.pk}"' in page
    assert f'data-ws-url="/ws/shows/{show.pk}/"' in page
    assert f'data-user-id="{viewer.pk}"' in page
    assert 'data-is-host="false"' in page
    for script in ("room.js", "room-video.js", "room-chat.js", "room-interact.js"):
        assert f"js/{script}" in page
    # One mark of each part: video, chat, viewers, poll, questions, pinned product.
    for mark in (
        'data-room-video="viewer"',
        'id="room-chat-text"',
        "data-viewers",
        'data-testid="room-poll"',
        'data-testid="room-questions"',
        'data-testid="room-pinned"',
    ):
        assert mark in page


def test_who_may_not_watch_is_told_why(client):
    followers_only = ShowFactory(live=True, visibility=Visibility.FOLLOWERS, title="Members night")
    private = ShowFactory(live=True, visibility=Visibility.PRIVATE, title="Secret night")
    fan = UserFactory()
    client.force_login(fan)

    refused = client.get(followers_only.get_absolute_url())
    hidden = client.get(private.get_absolute_url())
    FollowFactory(follower=fan, seller=followers_only.seller)

    assert refused.status_code == 403
    assert "follow them to watch" in refused.content.decode()
    assert hidden.status_code == 403
    assert "Secret night" not in hidden.content.decode()
    assert client.get(followers_only.get_absolute_url()).status_code == 200
    assert client.get(f"{private.get_absolute_url()}?key={private.private_token}").status_code == 200
    assert client.get(reverse("shows:room", args=[987654])).status_code == 404


def test_listing_and_search_show_what_the_visitor_may_find(client):
    live = ShowFactory(live=True, title="Camera clinic")
    upcoming = ShowFactory(title="Jazz records", tags="vinyl,jazz")
    ShowFactory(title="Secret jazz", visibility=Visibility.PRIVATE)
    ShowFactory(title="Members jazz", visibility=Visibility.FOLLOWERS)
    ShowFactory(title="Old jazz", status=ShowStatus.CANCELLED)

    listing = client.get(reverse("shows:list")).content.decode()
    search = client.get(reverse("shows:list"), {"q": "jazz"}).content.decode()
    seller_page = client.get(reverse("shows:seller", args=[upcoming.seller_id])).content.decode()

    assert live.title in listing
    assert upcoming.title in listing
    assert "Secret jazz" not in listing
    assert "Members jazz" not in listing
    assert "Jazz records" in search
    assert "Camera clinic" not in search
    assert "Secret jazz" not in search
    assert "Old jazz" not in search
    assert "Jazz records" in seller_page


def test_following_page_lists_sellers_and_reminders(client):
    fan = UserFactory()
    show = ShowFactory(title="Lamp night")
    FollowFactory(follower=fan, seller=show.seller)
    ShowReminder.objects.create(user=fan, show=show)
    client.force_login(fan)

    page = client.get(reverse("shows:following")).content.decode()

    assert 'data-testid="followed-seller"' in page
    assert "Lamp night" in page


def test_a_viewer_reports_the_show_from_its_room(client):
    show = ShowFactory(live=True, title="Mystery boxes")
    client.force_login(UserFactory())

    room = client.get(show.get_absolute_url()).content.decode()
    report_url = reverse("moderation:report", args=["show", show.pk])
    page = client.get(report_url)

    assert f'href="{report_url}"' in room
    assert page.status_code == 200
    assert "Mystery boxes" in page.content.decode()


def test_the_host_sees_no_report_link_in_their_own_room(client):
    show = ShowFactory(live=True)
    client.force_login(show.seller)

    room = client.get(show.get_absolute_url()).content.decode()

    assert 'data-testid="report-show"' not in room
