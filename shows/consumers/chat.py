"""The room's chat and reactions, and the moderators' actions from it."""

from typing import Any

from tokshop.realtime import closecodes

from ..services import chat, reactions
from .base import RoomPart
from .presence import publish_later


class ChatPart(RoomPart):
    handlers = {
        "chat.post": "chat_post",
        "chat.delete": "chat_delete",
        "room.moderate": "room_moderate",
        "reaction.send": "reaction_send",
    }

    async def chat_post(self, message: dict[str, Any]) -> None:
        ref = message.get("ref")
        posted = await self.call(
            chat.chat_post,
            sender=self.user,
            show_id=self.show.pk,
            text=message.get("text"),
            ref=str(ref) if isinstance(ref, str | int) else "",
        )
        if posted.message is not None:
            stored = {"status": "posted", "id": posted.message.pk, "text": posted.message.text}
        else:
            assert posted.held is not None
            stored = {"status": "held", "id": posted.held.pk, "text": posted.held.text}
        await self.reply(message, "chat.post_ack", note=posted.note, **stored)

    async def chat_delete(self, message: dict[str, Any]) -> None:
        deleted = await self.call(
            chat.chat_delete,
            actor=self.user,
            show_id=self.show.pk,
            message_id=message.get("id"),
            reason=message.get("reason", ""),
        )
        await self.reply(message, "chat.delete_ack", id=deleted.pk)

    async def room_moderate(self, message: dict[str, Any]) -> None:
        sanction = await self.call(
            chat.room_moderate,
            actor=self.user,
            show_id=self.show.pk,
            user_id=message.get("user_id"),
            action=message.get("action"),
            reason=message.get("reason"),
            minutes=message.get("minutes"),
            scope=message.get("scope", "show"),
        )
        await self.reply(
            message,
            "room.moderate_ack",
            sanction_id=sanction.pk,
            user_id=sanction.user_id,
            action=message.get("action"),
            scope=sanction.scope,
            expires_at=sanction.expires_at.isoformat() if sanction.expires_at else None,
        )

    async def reaction_send(self, message: dict[str, Any]) -> None:
        if await self.call(reactions.reaction_send, show_id=self.show.pk, emoji=message.get("emoji")):
            publish_later(reactions.TALLY_WINDOW_MS, reactions.reaction_tally_publish, show_id=self.show.pk)
        if message.get("ref") is not None:
            await self.reply(message, "reaction.send_ack")

    # --- channel layer handlers ------------------------------------------------------------
    async def realtime_leave_room(self, event: dict[str, Any]) -> None:
        """The user was banned: close this room's socket if the ban covers this show."""
        show_id, seller_id = event.get("show_id"), event.get("seller_id")
        everywhere = show_id is None and seller_id is None
        if everywhere or show_id == self.show.pk or seller_id == self.show.seller_id:
            await self.close(code=closecodes.NOT_ALLOWED, reason=event.get("reason", "banned"))
