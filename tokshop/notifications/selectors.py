from django.db.models import QuerySet

from tokshop.users.models import User

from .models import EMAIL_DEFAULTS, Notification, NotificationKind, NotificationPreference


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=user)
    return notifications.unread() if unread_only else notifications


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user).unread().count()


def notification_email_preferences(*, user: User) -> dict[str, bool]:
    """Each kind and whether it is e-mailed, with the default for kinds the user never set."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.value: chosen.get(kind.value, EMAIL_DEFAULTS[kind]) for kind in NotificationKind}
