"""Following sellers and reminders, and who hears of a show: followers when it is scheduled and
when it goes live, reminder holders when it goes live; each person once, by e-mail as they chose."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from shows.models import Follow, ShowReminder, ShowStatus, Visibility
from shows.services import lifecycle
from shows.services.follows import (
    follow_create,
    follow_delete,
    reminder_create,
    reminder_delete,
    show_live_notify,
    show_scheduled_notify,
)
from shows.services.shows import show_create
from shows.tasks import show_live_notify_task
from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.notifications.services import notification_preferences_update
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import FollowFactory, ShowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return SellerProfileFactory().user


def told(user):
    return list(Notification.objects.filter(user=user, kind=NotificationKind.SHOWS).values_list("title", flat=True))


def test_following_is_once_and_unfollowing_ends_it(seller):
    fan = UserFactory()

    first = follow_create(follower=fan, seller_id=seller.pk)
    again = follow_create(follower=fan, seller_id=seller.pk)

    assert first.pk == again.pk
    assert follow_delete(follower=fan, seller_id=seller.pk) is True
    assert follow_delete(follower=fan, seller_id=seller.pk) is False
    assert not Follow.objects.exists()


def test_following_yourself_or_someone_who_does_not_sell_is_refused(seller):
    with pytest.raises(ApplicationError) as itself:
        follow_create(follower=seller, seller_id=seller.pk)
    with pytest.raises(NotFound):
        follow_create(follower=seller, seller_id=UserFactory().pk)
    assert itself.value.code == "self_follow"
    assert not Follow.objects.exists()


def test_a_reminder_is_for_an_upcoming_show_the_person_may_watch(seller):
    fan = UserFactory()
    upcoming = ShowFactory(seller=seller)
    live = ShowFactory(seller=seller, live=True)
    private = ShowFactory(seller=seller, visibility=Visibility.PRIVATE)
    followers_only = ShowFactory(seller=seller, visibility=Visibility.FOLLOWERS)

    assert reminder_create(user=fan, show_id=upcoming.pk).pk == reminder_create(user=fan, show_id=upcoming.pk).pk
    with pytest.raises(Conflict) as started:
        reminder_create(user=fan, show_id=live.pk)
    with pytest.raises(PermissionDenied):
        reminder_create(user=fan, show_id=private.pk)
    with pytest.raises(PermissionDenied):
        reminder_create(user=fan, show_id=followers_only.pk)
    reminder_create(user=fan, show_id=private.pk, key=private.private_token)

    assert started.value.code == "not_upcoming"
    assert set(ShowReminder.objects.values_list("show_id", flat=True)) == {upcoming.pk, private.pk}
    assert reminder_delete(user=fan, show_id=upcoming.pk) is True
    assert reminder_delete(user=fan, show_id=upcoming.pk) is False


def test_followers_hear_of_a_scheduled_show_once_and_by_email_as_they_chose(seller, django_capture_on_commit_callbacks):
    keen, quiet, stranger = UserFactory(), UserFactory(), UserFactory()
    FollowFactory(follower=keen, seller=seller)
    FollowFactory(follower=quiet, seller=seller)
    notification_preferences_update(user=quiet, email={"shows": False})

    with django_capture_on_commit_callbacks(execute=True):
        show = show_create(seller=seller, title="Lamps", scheduled_start=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert show_scheduled_notify(show_id=show.pk) == 0

    name = seller.display_name
    assert told(keen) == told(quiet) == [f"{name} scheduled a show"]
    assert told(stranger) == []
    assert [message.to for message in mail.outbox] == [[keen.email]]
    notification = Notification.objects.filter(user=keen).get(kind="shows")
    assert notification.url == show.get_absolute_url()


def test_followers_do_not_hear_of_a_private_show(seller, django_capture_on_commit_callbacks):
    fan = UserFactory()
    FollowFactory(follower=fan, seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        show_create(
            seller=seller, title="Secret", scheduled_start=timezone.now() + timedelta(days=1), visibility="private"
        )
    assert told(fan) == []


def test_going_live_tells_reminder_holders_and_followers_once_each(seller, django_capture_on_commit_callbacks):
    follower, reminded, both = UserFactory(), UserFactory(), UserFactory()
    show = ShowFactory(seller=seller)
    FollowFactory(follower=follower, seller=seller)
    FollowFactory(follower=both, seller=seller)
    reminder_create(user=reminded, show_id=show.pk)
    reminder_create(user=both, show_id=show.pk)

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.show_go_live(actor=seller, show_id=show.pk)
    show_live_notify_task.delay(show.pk)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.show_end(actor=seller, show_id=show.pk)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.show_restart(actor=seller, show_id=show.pk)

    live = f"{seller.display_name} is live now"
    assert told(follower) == told(reminded) == told(both) == [live]
    assert ShowReminder.objects.filter(show=show, notified_at__isnull=True).count() == 0


def test_a_show_that_is_not_on_air_tells_nobody(seller):
    show = ShowFactory(seller=seller)
    fan = UserFactory()
    reminder_create(user=fan, show_id=show.pk)
    show.status = ShowStatus.CANCELLED
    show.save()

    assert show_live_notify(show_id=show.pk) == 0
    assert show_live_notify(show_id=987654) == 0
    assert told(fan) == []


def test_followers_hear_of_a_new_recurring_show_once_not_of_each_show(seller, django_capture_on_commit_callbacks):
    from datetime import time

    from shows.services.schedules import schedule_create
    from shows.tasks import schedule_created_notify_task

    fan = UserFactory()
    FollowFactory(follower=fan, seller=seller)

    with django_capture_on_commit_callbacks(execute=True):
        schedule = schedule_create(
            seller=seller,
            title="Every day",
            frequency="daily",
            time_of_day=time(18, 0),
            time_zone="UTC",
            starts_on=timezone.localdate(),
        )
    schedule_created_notify_task.delay(schedule.pk)

    assert told(fan) == [f"{seller.display_name} has a new regular show"]
    first = schedule.shows.order_by("scheduled_start").first()
    assert Notification.objects.get(user=fan).url == first.get_absolute_url()
