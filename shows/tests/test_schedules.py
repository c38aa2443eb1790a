"""Recurring shows: occurrences by the local clock across daylight-saving changes and weekdays, an
expansion that makes each occurrence once (run twice, or at once), and schedules changed or stopped."""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from commerce.tests.factories import ProductFactory
from shows.models import Frequency, Show, ShowSchedule, ShowStatus
from shows.services.schedules import HORIZON, schedule_create, schedule_expand, schedule_stop, schedule_update
from shows.tasks import schedules_expand_task
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.users.tests.factories import SellerProfileFactory

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def schedule(**kwargs):
    defaults = {
        "title": "Weekly",
        "frequency": Frequency.DAILY,
        "weekdays": "",
        "time_of_day": time(19, 0),
        "time_zone": "America/New_York",
        "starts_on": date(2027, 3, 1),
    }
    return ShowSchedule(**{**defaults, **kwargs})


def test_the_local_time_holds_across_the_spring_and_autumn_clock_changes():
    daily = schedule()

    spring = daily.occurrences(after=utc(2027, 3, 12), until=utc(2027, 3, 16))
    autumn = daily.occurrences(after=utc(2027, 11, 5), until=utc(2027, 11, 9))

    # 19:00 in New York is 00:00 UTC in winter and 23:00 UTC in summer (clocks change Mar 14, Nov 7).
    assert spring == [utc(2027, 3, 13, 0), utc(2027, 3, 14, 0), utc(2027, 3, 14, 23), utc(2027, 3, 15, 23)]
    assert autumn == [utc(2027, 11, 5, 23), utc(2027, 11, 6, 23), utc(2027, 11, 8, 0), utc(2027, 11, 9, 0)]
    assert {start.astimezone(NEW_YORK).hour for start in spring + autumn} == {19}


def test_a_time_the_clock_skips_lands_after_the_change_and_a_repeated_one_on_its_first_pass():
    night = schedule(time_of_day=time(2, 30))
    late = schedule(time_of_day=time(1, 30))

    [skipped] = night.occurrences(after=utc(2027, 3, 14, 0), until=utc(2027, 3, 14, 12))
    [repeated] = late.occurrences(after=utc(2027, 11, 7, 0), until=utc(2027, 11, 7, 12))

    assert skipped.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
    assert repeated.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_a_weekly_schedule_runs_on_its_weekdays_within_its_dates():
    weekly = schedule(
        frequency=Frequency.WEEKLY,
        weekdays="13",
        time_zone="Europe/Paris",
        starts_on=date(2027, 6, 2),
        ends_on=date(2027, 6, 15),
    )

    starts = weekly.occurrences(after=utc(2027, 5, 25), until=utc(2027, 7, 1))

    days = [start.astimezone(ZoneInfo("Europe/Paris")).date() for start in starts]
    assert days == [date(2027, 6, 3), date(2027, 6, 8), date(2027, 6, 10), date(2027, 6, 15)]
    assert {day.strftime("%a") for day in days} == {"Tue", "Thu"}


pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return SellerProfileFactory().user


def weekly_kwargs(**changes):
    return {
        "title": "Tuesday finds",
        "frequency": Frequency.WEEKLY,
        "weekdays": [1, 4],
        "time_of_day": time(19, 0),
        "time_zone": "Europe/London",
        "starts_on": timezone.localdate(),
        **changes,
    }


def test_a_schedule_makes_its_next_two_weeks_of_shows_once_with_template_and_lineup(seller):
    lamp = ProductFactory(seller=seller, title="Lamp")
    made = schedule_create(
        seller=seller, tags="Lamps", visibility="followers", product_ids=[lamp.pk], **weekly_kwargs()
    )

    again = schedule_expand(schedule_id=made.pk)
    schedules_expand_task.delay()

    shows = list(Show.objects.filter(schedule=made).order_by("scheduled_start"))
    assert again == []
    assert len(shows) in (4, 5)
    assert all(show.scheduled_start <= timezone.now() + HORIZON for show in shows)
    london = [show.scheduled_start.astimezone(ZoneInfo("Europe/London")) for show in shows]
    assert {(start.strftime("%a"), start.hour) for start in london} <= {("Tue", 19), ("Fri", 19)}
    assert {(show.title, show.tags, show.visibility, show.status) for show in shows} == {
        ("Tuesday finds", "lamps", "followers", ShowStatus.SCHEDULED)
    }
    assert all(list(show.lineup.values_list("product__title", flat=True)) == ["Lamp"] for show in shows)


def test_the_horizon_moves_on_and_expansion_adds_only_the_new_days(seller):
    made = schedule_create(seller=seller, **weekly_kwargs(frequency=Frequency.DAILY, weekdays=[]))
    count = Show.objects.filter(schedule=made).count()

    later = schedule_expand(schedule_id=made.pk, now=timezone.now() + timedelta(days=3))

    assert len(later) == 3
    assert Show.objects.filter(schedule=made).count() == count + 3
    assert Show.objects.filter(schedule=made).values("scheduled_start").distinct().count() == count + 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"ends_on": date(2020, 1, 1)}, "ends_on"),
        ({"title": ""}, "title"),
        ({"product_ids": [987654]}, "product_ids"),
    ],
)
def test_a_bad_schedule_is_refused_and_makes_nothing(seller, changes, field):
    with pytest.raises(ApplicationError) as refused:
        schedule_create(seller=seller, **weekly_kwargs(**changes))
    assert field in refused.value.fields
    assert not ShowSchedule.objects.exists()
    assert not Show.objects.exists()


def test_changing_the_days_cancels_shows_off_the_pattern_and_retitles_the_rest(seller):
    made = schedule_create(seller=seller, **weekly_kwargs(frequency=Frequency.DAILY, weekdays=[]))

    schedule_update(seller=seller, schedule_id=made.pk, frequency=Frequency.WEEKLY, weekdays=[2], title="Wednesdays")

    shows = Show.objects.filter(schedule=made)
    scheduled = shows.filter(status=ShowStatus.SCHEDULED)
    assert {s.scheduled_start.astimezone(ZoneInfo("Europe/London")).strftime("%a") for s in scheduled} == {"Wed"}
    assert set(scheduled.values_list("title", flat=True)) == {"Wednesdays"}
    assert shows.filter(status=ShowStatus.CANCELLED).count() == shows.count() - scheduled.count() > 0


def test_stopping_cancels_upcoming_shows_and_expansion_makes_no_more(seller):
    made = schedule_create(seller=seller, **weekly_kwargs(frequency=Frequency.DAILY, weekdays=[]))
    first = Show.objects.filter(schedule=made).order_by("scheduled_start").first()
    first.status, first.started_at = ShowStatus.LIVE, timezone.now()
    first.save()

    schedule_stop(seller=seller, schedule_id=made.pk)
    schedule_stop(seller=seller, schedule_id=made.pk)

    assert schedule_expand(schedule_id=made.pk, now=timezone.now() + timedelta(days=20)) == []
    first.refresh_from_db()
    assert first.status == ShowStatus.LIVE
    assert not Show.objects.filter(schedule=made, status=ShowStatus.SCHEDULED).exists()
    with pytest.raises(ApplicationError) as stopped:
        schedule_update(seller=seller, schedule_id=made.pk, title="Again")
    assert stopped.value.code == "schedule_stopped"


def test_another_sellers_schedule_is_not_found(seller):
    made = schedule_create(seller=seller, **weekly_kwargs())
    intruder = SellerProfileFactory().user
    with pytest.raises(NotFound):
        schedule_update(seller=intruder, schedule_id=made.pk, title="Mine")
    with pytest.raises(NotFound):
        schedule_stop(seller=intruder, schedule_id=made.pk)
    made.refresh_from_db()
    assert (made.title, made.stopped_at) == ("Tuesday finds", None)


@pytest.mark.django_db(transaction=True)
def test_expansions_running_at_once_make_each_occurrence_once(seller):
    made = ShowSchedule.objects.create(seller=seller, **{**weekly_kwargs(frequency=Frequency.DAILY), "weekdays": ""})
    barrier = threading.Barrier(4)
    counts = []

    def expand():
        try:
            barrier.wait()
            counts.append(len(schedule_expand(schedule_id=made.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=expand) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = Show.objects.filter(schedule=made).count()
    assert sorted(counts)[:3] == [0, 0, 0]
    assert sum(counts) == total >= 14
