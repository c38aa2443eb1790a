"""`ws/shows/<id>/`: one socket per viewer of a show, carrying everything that happens in its room.

The consumer routes: each part of the room (host controls, chat, presence, polls, …) lists the
messages it handles, and every handler calls the owning service through `database_sync_to_async`.
"""

import contextlib
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from redis.exceptions import RedisError

from tokshop.core.errors import NotFound, PermissionDenied
from tokshop.realtime import closecodes
from tokshop.realtime.envelope import frame
from tokshop.realtime.groups import show_group, show_staff_group

from ..selectors_room import RoomShow, room_enter, room_snapshot
from ..services import lifecycle
from .auctions import AuctionPart
from .base import RoomPart
from .chat import ChatPart
from .giveaways import GiveawayPart
from .interact import InteractPart
from .presence import PresencePart


class HostControls(RoomPart):
    handlers = {"show.pause": "show_pause", "show.resume": "show_resume", "show.end": "show_end"}

    async def show_pause(self, message: dict[str, Any]) -> None:
        show = await self.call(lifecycle.show_pause, actor=self.user, show_id=self.show.pk)
        await self.reply(message, "show.control_ack", status=show.status)

    async def show_resume(self, message: dict[str, Any]) -> None:
        show = await self.call(lifecycle.show_resume, actor=self.user, show_id=self.show.pk)
        await self.reply(message, "show.control_ack", status=show.status)

    async def show_end(self, message: dict[str, Any]) -> None:
        show = await self.call(lifecycle.show_end, actor=self.user, show_id=self.show.pk)
        await self.reply(message, "show.control_ack", status=show.status)


class ShowConsumer(HostControls, ChatPart, PresencePart, InteractPart, AuctionPart, GiveawayPart):
    """The room: every part's handlers in one table (a part added to the bases adds its own here)."""

    handlers = {
        **HostControls.handlers,
        **ChatPart.handlers,
        **PresencePart.handlers,
        **InteractPart.handlers,
        **AuctionPart.handlers,
        **GiveawayPart.handlers,
    }
    snapshot_type = "room.snapshot"
    anonymous_allowed = True
    # Viewers who are not signed in still beat, or the room would stop counting them, and their
    # click-throughs on the pinned product count.
    anonymous_handlers = frozenset({"presence.heartbeat", "product.click"})

    async def authorize(self) -> str | None:
        show_id = self.scope["url_route"]["kwargs"]["show_id"]
        key = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("key", [None])[0]
        try:
            show, self.viewer = await database_sync_to_async(room_enter)(user=self.user, show_id=show_id, key=key)
        except NotFound:
            await self.close(code=closecodes.NOT_FOUND, reason="not_found")
            return None
        except PermissionDenied as refusal:
            await self.close(code=closecodes.NOT_ALLOWED, reason=refusal.code)
            return None
        self.show = RoomShow.of(show)
        if not await self.presence_enter():
            return None
        if self.viewer.is_staff_of_room:
            # The host and moderators also hear what only they act on (held messages, live stats).
            await self.channel_layer.group_add(show_staff_group(self.show.pk), self.channel_name)
        return show_group(self.show.pk)

    @database_sync_to_async
    def snapshot(self) -> dict[str, Any]:
        return room_snapshot(show_id=self.show.pk, viewer=self.viewer)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        await self.presence_exit()
        viewer = getattr(self, "viewer", None)
        if viewer is not None and viewer.is_staff_of_room:
            # The entry expires with the layer's group expiry; only staff messages would reach it.
            with contextlib.suppress(RedisError, OSError):
                await self.channel_layer.group_discard(show_staff_group(self.show.pk), self.channel_name)

    # --- channel layer handlers ------------------------------------------------------------
    async def room_staff(self, event: dict[str, Any]) -> None:
        """A message for the room's host and moderators only (not sequenced: they refetch on reconnect)."""
        await self.send(text_data=frame(event["event_type"], **event["payload"]))
