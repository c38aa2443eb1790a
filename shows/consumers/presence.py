"""The room's presence: counting the socket in and out, heartbeats, the typing line, and the live
stats the host's and moderators' sockets keep going."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from redis.exceptions import RedisError

from tokshop.core.errors import ApplicationError
from tokshop.realtime import closecodes

from ..services import presence, stats
from ..services.presence import AWAY, ONLINE, WatchClock
from .base import RoomPart

logger = logging.getLogger(__name__)

STATS_TICK_SECONDS = 5
# Tasks that publish a coalesced figure after its window; kept here so none is collected mid-wait.
_waiting: set[asyncio.Task[None]] = set()


def publish_later(delay_ms: int, publish: Callable[..., int | None], **kwargs: Any) -> None:
    """After the window, publish the figure this process claimed; a publish that returns a delay
    (the typing line, until its next name runs out) is looked at again then, if nobody else claims it."""

    async def run() -> None:
        wait = delay_ms
        while wait is not None:
            await asyncio.sleep(wait / 1000)
            try:
                wait = await database_sync_to_async(publish)(**kwargs)
            except RedisError:
                logger.warning("a coalesced room figure was not published", exc_info=True)
                return
            if wait is not None and not await database_sync_to_async(presence.claim)(
                kwargs["show_id"], "typing", presence.TYPING_WINDOW_MS
            ):
                return

    task = asyncio.create_task(run())
    _waiting.add(task)
    task.add_done_callback(_waiting.discard)


class PresencePart(RoomPart):
    handlers = {"presence.heartbeat": "presence_heartbeat", "presence.typing": "presence_typing"}

    session_id: int | None = None
    watch: WatchClock
    stats_task: asyncio.Task[None] | None = None

    def count_later(self, claimed: bool) -> None:
        if claimed:
            publish_later(presence.COUNT_WINDOW_MS, presence.presence_count_publish, show_id=self.show.pk)

    async def presence_enter(self) -> bool:
        """Count this socket in the room; False, with the socket closed, when the room is full."""
        headers = dict(self.scope.get("headers", []))
        session = self.scope.get("session")
        visitor = (getattr(session, "session_key", None) or self.channel_name) if not self.is_signed_in else ""
        try:
            entered = await self.call(
                presence.presence_enter,
                show_id=self.show.pk,
                max_viewers=self.show.max_viewers,
                viewer=self.viewer,
                socket_id=self.channel_name,
                visitor=visitor,
                user_agent=headers.get(b"user-agent", b"").decode("latin1"),
            )
        except presence.RoomFull:
            await self.close(code=closecodes.ROOM_FULL, reason="room_full")
            return False
        self.session_id = entered.session_id
        self.watch = WatchClock()
        self.count_later(entered.count_claimed)
        if self.viewer.is_staff_of_room:
            self.stats_task = asyncio.create_task(self._stats_loop())
        return True

    async def presence_exit(self) -> None:
        if self.stats_task is not None:
            self.stats_task.cancel()
        if self.session_id is None:
            return
        session_id, self.session_id = self.session_id, None
        try:
            claimed = await self.call(
                presence.presence_leave,
                show_id=self.show.pk,
                socket_id=self.channel_name,
                session_id=session_id,
                watch_seconds=self.watch.seconds(),
            )
        except RedisError:
            # The socket's entry runs out with its last heartbeat; the count catches up then.
            logger.warning("could not count a socket out of its room", exc_info=True)
            return
        self.count_later(claimed)

    async def _stats_loop(self) -> None:
        while True:
            with contextlib.suppress(RedisError):
                await self.call(stats.show_stats_tick, show_id=self.show.pk)
                # The tick also notices sockets whose beats stopped, when no one else's beat does.
                self.count_later(
                    await self.call(
                        presence.claim, show_id=self.show.pk, what="count", window_ms=presence.COUNT_WINDOW_MS
                    )
                )
            await asyncio.sleep(STATS_TICK_SECONDS)

    async def presence_heartbeat(self, message: dict[str, Any]) -> None:
        state = message.get("state", ONLINE)
        if state not in (ONLINE, AWAY):
            raise ApplicationError("A heartbeat's state is online or away.", code="invalid_state")
        self.watch.set_state(state)
        self.count_later(
            await self.call(presence.presence_heartbeat, show_id=self.show.pk, socket_id=self.channel_name)
        )
        await self.reply(message, "presence.heartbeat_ack", interval=presence.HEARTBEAT_SECONDS)

    async def presence_typing(self, message: dict[str, Any]) -> None:
        if await self.call(
            presence.presence_typing, show_id=self.show.pk, user_id=self.user.pk, name=self.viewer.display_name
        ):
            publish_later(presence.TYPING_WINDOW_MS, presence.presence_typing_publish, show_id=self.show.pk)
        if message.get("ref") is not None:
            await self.reply(message, "presence.typing_ack")
