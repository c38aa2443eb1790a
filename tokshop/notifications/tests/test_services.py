import json

import pytest
from asgiref.sync import async_to_sync
from django.core import mail

from tokshop.core.errors import ApplicationError
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.notifications.selectors import notification_email_preferences, notification_unread_count
from tokshop.notifications.services import (
    notification_create,
    notification_email_send,
    notification_mark_read,
    notification_preferences_update,
)
from tokshop.realtime.groups import user_group
from tokshop.realtime.hub import close_hub, get_hub
from tokshop.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def stream_events(user_id: int) -> list[dict]:
    async def read() -> list[str] | None:
        try:
            return await get_hub().since(user_group(user_id), 0)
        finally:
            await close_hub()

    return [json.loads(f) for f in async_to_sync(read)() or []]


def test_a_notification_is_published_after_commit_and_emailed(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notification_create(user=user, kind=NotificationKind.ACCOUNT, title="Hello", url="/x/")
        # Nothing leaves before the transaction commits.
        assert stream_events(user.pk) == []
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    events = stream_events(user.pk)
    assert [(e["type"], e["seq"], e["notification"]["id"], e["unread_count"]) for e in events] == [
        ("notification.created", 1, notification.pk, 1)
    ]
    assert [m.subject for m in mail.outbox] == ["Hello"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_announcements_are_not_emailed_unless_asked_for(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(user=user, kind=NotificationKind.ANNOUNCEMENT, title="News")
        notification_preferences_update(user=user, email={NotificationKind.ANNOUNCEMENT: True})
        notification_create(user=user, kind=NotificationKind.ANNOUNCEMENT, title="More news")

    assert [m.subject for m in mail.outbox] == ["More news"]


def test_security_alerts_are_always_emailed(user, django_capture_on_commit_callbacks):
    prefs = notification_preferences_update(user=user, email={NotificationKind.SECURITY: False})
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(user=user, kind=NotificationKind.SECURITY, title="Password changed")

    assert prefs[NotificationKind.SECURITY] is True
    assert [m.subject for m in mail.outbox] == ["Password changed"]


def test_unknown_kinds_are_refused():
    user = UserFactory()

    with pytest.raises(ApplicationError) as caught:
        notification_preferences_update(user=user, email={"spam": True})

    assert "spam" in caught.value.fields
    assert notification_email_preferences(user=user)[NotificationKind.ANNOUNCEMENT] is False


def test_sending_an_email_twice_sends_it_once(user):
    notification = Notification.objects.create(user=user, kind=NotificationKind.ACCOUNT, title="Once")

    assert notification_email_send(notification_id=notification.pk) is True
    assert notification_email_send(notification_id=notification.pk) is False
    assert notification_email_send(notification_id=0) is False
    assert len(mail.outbox) == 1


def test_mark_read_touches_only_the_users_own(user, other_user, django_capture_on_commit_callbacks):
    mine = [Notification.objects.create(user=user, kind="account", title=f"n{i}") for i in range(3)]
    theirs = Notification.objects.create(user=other_user, kind="account", title="theirs")

    with django_capture_on_commit_callbacks(execute=True):
        changed = notification_mark_read(user=user, ids=[mine[0].pk, theirs.pk])
        again = notification_mark_read(user=user, ids=[mine[0].pk])
        rest = notification_mark_read(user=user)

    assert (changed, again, rest) == (1, 0, 2)
    assert notification_unread_count(user=user) == 0
    assert notification_unread_count(user=other_user) == 1
    events = stream_events(user.pk)
    assert [(e["type"], e["ids"], e["unread_count"]) for e in events] == [
        ("notification.read", [mine[0].pk], 2),
        ("notification.read", None, 0),
    ]


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example", "/\t/evil.example", "/\\evil", "javascript:alert(1)"]
)
def test_a_notification_links_only_to_this_site(user, url):
    with pytest.raises(ApplicationError) as caught:
        notification_create(user=user, kind=NotificationKind.ACCOUNT, title="Hi", url=url)

    assert "url" in caught.value.fields
    assert not Notification.objects.exists()


def test_a_redis_outage_does_not_fail_the_caller(user, monkeypatch, django_capture_on_commit_callbacks, caplog):
    from tokshop.realtime import streams

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(streams.backend(), "publish", down)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_create(user=user, kind=NotificationKind.ACCOUNT, title="Still stored")

    assert Notification.objects.filter(pk=notification.pk).exists()
    assert [m.subject for m in mail.outbox] == ["Still stored"]
    assert "Redis is down" in caplog.text
