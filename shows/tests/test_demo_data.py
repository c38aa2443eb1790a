"""seed_demo's shows part: the demo seller live with a lineup, upcoming shows, a weekly show, one that
ended, and a buyer who follows with a reminder; the same after a second run."""

from io import StringIO

import pytest
from django.core.management import call_command

from shows.demo_data import DEMO_ENDED_TITLE, DEMO_SCHEDULE_TITLE, DEMO_UPCOMING, demo_live_show
from shows.models import Follow, LineupItem, Show, ShowReminder, ShowSchedule, ShowStatus, Visibility

pytestmark = pytest.mark.django_db


def _state():
    shows = sorted(Show.objects.values_list("title", "status", "visibility", "schedule_id"), key=str)
    lineups = sorted(LineupItem.objects.values_list("show__title", "product__sku", "position"), key=str)
    follows = list(Follow.objects.values_list("follower__email", "seller__email"))
    reminders = list(ShowReminder.objects.values_list("user__email", "show__title"))
    return shows, lineups, follows, reminders, ShowSchedule.objects.count()


def test_seed_demo_puts_the_seller_on_air_with_shows_to_come_once(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    first = _state()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())

    assert _state() == first
    live = demo_live_show()
    assert live.status == ShowStatus.LIVE
    assert live.lineup.count() == 3
    upcoming = Show.objects.filter(schedule__isnull=True, status=ShowStatus.SCHEDULED)
    assert sorted(upcoming.values_list("title", flat=True)) == sorted(demo.title for demo in DEMO_UPCOMING)
    assert upcoming.filter(visibility=Visibility.FOLLOWERS).count() == 1
    assert all(show.lineup.exists() for show in upcoming)
    assert Show.objects.get(title=DEMO_ENDED_TITLE).status == ShowStatus.ENDED
    schedule = ShowSchedule.objects.get(title=DEMO_SCHEDULE_TITLE)
    assert schedule.shows.filter(status=ShowStatus.SCHEDULED).count() >= 2
    assert first[2] == [("buyer@tokshop.demo", "seller@tokshop.demo")]
    assert first[3] == [("buyer@tokshop.demo", DEMO_UPCOMING[0].title)]
