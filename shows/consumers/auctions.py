"""Auctions in the room: viewers bid and buy now; the host starts, opens and cancels auctions.

Bids skip the worker-thread hop other parts take: the bid service is async, so a bid waits only
for the engine and the group commit that makes it durable.
"""

from typing import Any

from tokshop.core.errors import INVALID_FIELDS, ApplicationError

from .base import RoomPart

BID_FIELDS = frozenset({"type", "ref", "auction_id", "amount_cents", "confirm"})
BUY_NOW_FIELDS = frozenset({"type", "ref", "auction_id"})


def only_fields(message: dict[str, Any], allowed: frozenset[str]) -> None:
    """Refuse a frame carrying fields the message does not take (a bidder named in the frame, say):
    the socket's own user is the bidder, and nothing else in the frame is trusted."""
    unexpected = sorted(set(message) - allowed)
    if unexpected:
        raise ApplicationError(
            INVALID_FIELDS,
            code="unexpected_field",
            fields={name[:40]: ["This message does not take this field."] for name in unexpected[:5]},
        )


class AuctionPart(RoomPart):
    handlers = {
        "bid.place": "bid_place",
        "auction.buy_now": "auction_buy_now",
        "auction.start": "auction_start",
        "auction.open": "auction_open",
        "auction.cancel": "auction_cancel",
    }

    async def bid_place(self, message: dict[str, Any]) -> None:
        await self._bid(message, buy_now=False)

    async def auction_buy_now(self, message: dict[str, Any]) -> None:
        await self._bid(message, buy_now=True)

    async def _bid(self, message: dict[str, Any], *, buy_now: bool) -> None:
        from auctions.services.bidding import bid_place, bid_request

        only_fields(message, BUY_NOW_FIELDS if buy_now else BID_FIELDS)
        request = bid_request(
            user_id=self.user.pk,
            auction_id=message.get("auction_id"),
            amount=message.get("amount_cents"),
            ref=message.get("ref"),
            # The server's clock when it read the frame decides whether the bid was in time.
            received_ms=self.frame_received_ms,
            confirm=message.get("confirm", False),
            source="room",
            buy_now=buy_now,
        )
        result = await bid_place(request, show_id=self.show.pk)
        await self.reply(message, "bid.accepted", **result.reply())

    async def auction_start(self, message: dict[str, Any]) -> None:
        from auctions.services.auctions import auction_create

        settings = {
            key: value for key, value in message.items() if key not in ("type", "ref", "product_id", "open_now")
        }
        auction = await self.call(
            auction_create,
            actor=self.user,
            show_id=self.show.pk,
            product_id=message.get("product_id"),
            data=settings,
            open_now=message.get("open_now", True) is not False,
        )
        await self.reply(message, "auction.control_ack", auction_id=auction.pk, status=auction.status)

    async def auction_open(self, message: dict[str, Any]) -> None:
        from auctions.services.auctions import auction_open

        auction = await self.call(auction_open, actor=self.user, auction_id=self._auction_id(message))
        await self.reply(message, "auction.control_ack", auction_id=auction.pk, status=auction.status)

    async def auction_cancel(self, message: dict[str, Any]) -> None:
        from auctions.services.auctions import auction_cancel

        auction = await self.call(auction_cancel, actor=self.user, auction_id=self._auction_id(message))
        await self.reply(message, "auction.control_ack", auction_id=auction.pk, status=auction.status)

    def _auction_id(self, message: dict[str, Any]) -> int:
        value = message.get("auction_id")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ApplicationError(INVALID_FIELDS, fields={"auction_id": ["Send the auction's id as a number."]})
        return value
