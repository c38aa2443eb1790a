"""The room's giveaways: the host starts and draws, viewers enter; each message calls its service."""

from typing import Any

from django.utils import timezone

from auctions.models import EntryMethod
from auctions.services import giveaways

from .base import RoomPart


class GiveawayPart(RoomPart):
    handlers = {
        "giveaway.start": "giveaway_start",
        "giveaway.enter": "giveaway_enter",
        "giveaway.draw": "giveaway_draw",
    }

    async def giveaway_start(self, message: dict[str, Any]) -> None:
        giveaway = await self.call(
            giveaways.giveaway_start,
            actor=self.user,
            show_id=self.show.pk,
            item_id=message.get("item_id"),
            entry=message.get("entry"),
            seconds=message.get("seconds"),
        )
        await self.reply(message, "giveaway.start_ack", giveaway_id=giveaway.pk)

    async def giveaway_enter(self, message: dict[str, Any]) -> None:
        received_at = timezone.now()
        entry = await self.call(
            giveaways.giveaway_enter,
            user=self.user,
            giveaway_id=message.get("giveaway_id"),
            show_id=self.show.pk,
            method=EntryMethod.ROOM,
            received_at=received_at,
        )
        await self.reply(message, "giveaway.enter_ack", giveaway_id=entry.giveaway_id)

    async def giveaway_draw(self, message: dict[str, Any]) -> None:
        giveaway = await self.call(
            giveaways.giveaway_draw, actor=self.user, show_id=self.show.pk, giveaway_id=message.get("giveaway_id")
        )
        await self.reply(message, "giveaway.draw_ack", giveaway_id=giveaway.pk, status=giveaway.status)
