"""Writes for notifications: create (delivered live and by e-mail), mark read, preferences."""

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tokshop.core.errors import ApplicationError
from tokshop.core.mail import send_templated_mail
from tokshop.realtime.groups import user_group
from tokshop.realtime.streams import publish, publish_on_commit

from . import events
from .models import ALWAYS_EMAILED, Notification, NotificationKind, NotificationPreference, is_site_path
from .selectors import notification_email_preferences, notification_unread_count

if TYPE_CHECKING:
    from tokshop.users.models import User


def notification_create(*, user: "User", kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Store a notification; once committed it reaches the user's open sockets and, if they
    asked for this kind by e-mail, their inbox."""
    from .tasks import notification_email_send_task

    if url and not is_site_path(url):
        raise ApplicationError(
            "A notification links to a page of this site.", fields={"url": ["Use a path such as /notifications/."]}
        )
    notification = Notification.objects.create(user=user, kind=kind, title=title, body=body, url=url)

    def announce() -> None:
        # Counted after commit, so two notifications created at once both report the true count.
        payload = events.notification_created(notification, unread_count=notification_unread_count(user=user))
        publish(user_group(user.pk), "notification.created", payload)

    # Robust: the row is the truth and the stream a fast copy; a Redis hiccup must not fail the caller.
    transaction.on_commit(announce, robust=True)
    if kind in ALWAYS_EMAILED or notification_email_preferences(user=user)[kind]:
        transaction.on_commit(lambda: notification_email_send_task.delay(notification.pk), robust=True)
    return notification


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification; returns False when it was already sent (safe to run twice)."""
    notification = Notification.objects.select_for_update().select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    send_templated_mail(
        to=notification.user.email,
        subject=notification.title,
        template="notifications/email/notification",
        context={"notification": notification, "user": notification.user},
    )
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


@transaction.atomic
def notification_mark_read(*, user: "User", ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (the given ones, or all); returns how many changed.

    Ids of other users' notifications are ignored, as are ones already read.
    """
    unread = Notification.objects.filter(user=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    changed = list(unread.values_list("pk", flat=True))
    if changed:
        Notification.objects.filter(pk__in=changed).update(read_at=timezone.now())
        payload = events.notification_read(
            None if ids is None else changed, unread_count=notification_unread_count(user=user)
        )
        publish_on_commit(user_group(user.pk), "notification.read", payload)
    return len(changed)


@transaction.atomic
def notification_preferences_update(*, user: "User", email: dict[str, bool]) -> dict[str, bool]:
    """Choose which kinds are e-mailed; security alerts always are."""
    unknown = sorted(set(email) - set(NotificationKind.values))
    if unknown:
        raise ApplicationError(
            "Unknown notification kind.", fields={kind: ["Not a notification kind."] for kind in unknown}
        )
    for kind, wanted in email.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(wanted) or kind in ALWAYS_EMAILED}
        )
    return notification_email_preferences(user=user)
