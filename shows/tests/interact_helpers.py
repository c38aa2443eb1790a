"""What the polls, questions, pins and flash sales tests share: a live show with a lineup, and the
events its room heard."""

import json
from typing import Any

from asgiref.sync import async_to_sync

from commerce.models import OrderStatus
from commerce.tests.factories import ProductFactory, order_placed
from tokshop.realtime.groups import show_group
from tokshop.realtime.hub import close_hub, get_hub

from .factories import LineupItemFactory, ShowFactory


def live_show_with_item(**product: Any) -> tuple[Any, Any]:
    """A live show and one lineup item (its product priced 1500 cents, 20 in stock unless told)."""
    show = ShowFactory(live=True)
    fields = {"price_cents": 1500, "quantity_on_hand": 20, **product}
    item = LineupItemFactory(show=show, product=ProductFactory(seller=show.seller, **fields))
    return show, item


def room_events(show_id: int, *types: str) -> list[dict[str, Any]]:
    """The events published to the show's room, in order (only `types`, when given)."""

    async def read() -> list[str] | None:
        try:
            return await get_hub().since(show_group(show_id), 0)
        finally:
            await close_hub()

    events = [json.loads(text) for text in async_to_sync(read)() or []]
    return [event for event in events if not types or event["type"] in types]


def saved_address_for(buyer: Any) -> None:
    """Give the buyer an earlier order, so flash sales ship to its address."""
    order_placed(buyer, [ProductFactory()], until=OrderStatus.PENDING_PAYMENT)
