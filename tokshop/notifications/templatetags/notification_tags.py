from datetime import datetime

from django import template
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from tokshop.notifications.models import Notification, is_site_path
from tokshop.notifications.selectors import notification_list, notification_unread_count
from tokshop.users.models import User

register = template.Library()

# As many as the bell's dropdown shows; the socket keeps the same number.
DROPDOWN_SIZE = 8


@register.simple_tag
def unread_notification_count(user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return notification_unread_count(user=user)


@register.simple_tag
def recent_notifications(user: User | AnonymousUser) -> QuerySet[Notification] | list[Notification]:
    if not user.is_authenticated:
        return []
    return notification_list(user=user)[:DROPDOWN_SIZE]


@register.filter
def site_path(url: str) -> str:
    """The URL if it is a path on this site; anything else (another host, javascript:) is dropped."""
    return url if is_site_path(url) else ""


@register.filter
def ago(value: datetime) -> str:
    """Short relative time ("5 minutes ago"), worded like the socket client's, which keeps it fresh."""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, depth=1)} ago"
