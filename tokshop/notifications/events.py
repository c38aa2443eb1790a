"""Payloads the notification stream puts on the wire."""

from typing import Any

from .models import Notification


def notification_payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


def notification_created(notification: Notification, *, unread_count: int) -> dict[str, Any]:
    return {"notification": notification_payload(notification), "unread_count": unread_count}


def notification_read(ids: list[int] | None, *, unread_count: int) -> dict[str, Any]:
    """`ids` is None when everything was marked read."""
    return {"ids": ids, "all": ids is None, "unread_count": unread_count}
