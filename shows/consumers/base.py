"""What every part of the live room consumer shares: the show, who the socket belongs to, and the
way a handler calls a service."""

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from channels.db import database_sync_to_async

from tokshop.realtime.consumers import StreamConsumer

from ..selectors_room import RoomShow, RoomViewer

T = TypeVar("T")


class RoomPart(StreamConsumer):
    """A part of the room: it lists the client messages it handles in `handlers`, and ShowConsumer
    merges every part's table."""

    handlers: ClassVar[dict[str, str]] = {}

    show: RoomShow
    viewer: RoomViewer

    async def call(self, service: Callable[..., T], **kwargs: Any) -> T:
        """Run a service on a worker thread (it uses the database)."""
        return await database_sync_to_async(service)(**kwargs)
