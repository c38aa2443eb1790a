from typing import Any

from channels.db import database_sync_to_async

from tokshop.core.errors import ApplicationError
from tokshop.realtime.consumers import StreamConsumer
from tokshop.realtime.groups import user_group

from . import events
from .models import MAX_ID
from .selectors import notification_list, notification_unread_count
from .services import notification_mark_read

SNAPSHOT_SIZE = 10


class NotificationConsumer(StreamConsumer):
    """`ws/notifications/`: the signed-in user's notifications, live."""

    handlers = {"notification.read": "read", "notification.read_all": "read_all"}
    snapshot_type = "notification.snapshot"

    async def authorize(self) -> str:
        return user_group(self.user.pk)

    @database_sync_to_async
    def snapshot(self) -> dict[str, Any]:
        recent = notification_list(user=self.user)[:SNAPSHOT_SIZE]
        return {
            "unread_count": notification_unread_count(user=self.user),
            "notifications": [events.notification_payload(n) for n in recent],
        }

    async def read(self, message: dict[str, Any]) -> None:
        ids = message.get("ids")
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > 100
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids)
        ):
            raise ApplicationError('"ids" must be a list of 1 to 100 notification ids.', code="invalid_ids")
        changed = await database_sync_to_async(notification_mark_read)(user=self.user, ids=ids)
        await self.reply(message, "notification.read_ack", changed=changed)

    async def read_all(self, message: dict[str, Any]) -> None:
        changed = await database_sync_to_async(notification_mark_read)(user=self.user)
        await self.reply(message, "notification.read_ack", changed=changed)
