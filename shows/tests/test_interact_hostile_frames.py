"""S4 for polls, questions, pins and flash sales: hostile values in every field of every message are
each answered (an error frame, or an acknowledgement where the value happens to be valid), nothing
invalid is stored, and the socket keeps serving."""

import itertools

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from commerce.tests.factories import ADDRESS
from shows.consumers.interact import InteractPart
from shows.models import FlashSale, Poll, PollVote, Question
from shows.services.flash_sales import flash_sale_start
from tokshop.users.tests.factories import UserFactory

from .interact_helpers import live_show_with_item
from .sockets import room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]

HOSTILE: list[object] = [None, True, -1, 0, 2**70, 1.5, "1", "", "x" * 600, [], [1, 2], {}, {"a": {"b": []}}]
FIELDS = {
    "poll.open": ["question", "options", "seconds"],
    "poll.vote": ["poll_id", "option_id"],
    "poll.close": ["poll_id"],
    "question.ask": ["text"],
    "question.upvote": ["id"],
    "question.answer": ["id"],
    "question.dismiss": ["id"],
    "product.pin": ["item_id"],
    "product.unpin": [],
    "product.click": ["item_id"],
    "flash_sale.start": ["item_id", "price_cents", "seconds", "total_limit", "per_buyer_limit"],
    "flash_sale.end": ["sale_id"],
    "flash_sale.buy": ["sale_id", "quantity", "shipping"],
}


async def test_hostile_values_in_every_field_are_refused_and_the_socket_keeps_serving(settings_frame_rate):
    assert set(FIELDS) == set(InteractPart.handlers)
    show, item = await database_sync_to_async(live_show_with_item)()
    host = await room_socket(show.pk, show.seller)
    await host.receive_json_from(timeout=2)

    for type_, fields in FIELDS.items():
        for name, value in itertools.product(fields or [None], HOSTILE):
            await answered(host, {"type": type_, **({name: value} if name else {})})
    await alive(host)

    # A buyer's hostile quantities and addresses against a running sale reach the order's checks.
    sale = await database_sync_to_async(flash_sale_start)(
        actor=show.seller,
        show_id=show.pk,
        item_id=item.pk,
        price_cents=900,
        seconds=60,
        total_limit=5,
        per_buyer_limit=1,
    )
    buyer = await room_socket(show.pk, await database_sync_to_async(UserFactory)())
    await buyer.receive_json_from(timeout=2)
    addresses = [
        {**ADDRESS, "shipping_city": "x" * 101},
        {"x": 1},
        *HOSTILE,
        {**ADDRESS, "shipping_name": ["a"]},
        ADDRESS,
    ]
    for quantity, shipping in itertools.product([None, 0, 2, 2**70, "1", 1], addresses):
        await answered(
            buyer, {"type": "flash_sale.buy", "sale_id": sale.pk, "quantity": quantity, "shipping": shipping}
        )
    await alive(buyer)
    counts = await database_sync_to_async(lambda: (Poll.objects.count(), PollVote.objects.count()))()
    assert counts == (0, 0)
    # "1" is a fair question; nothing else sent was.
    assert await database_sync_to_async(lambda: list(Question.objects.values_list("text", flat=True)))() == ["1"]
    # The one acceptable purchase: one unit, to a real address.
    assert await database_sync_to_async(lambda: FlashSale.objects.get().sold)() == 1
    await host.disconnect()
    await buyer.disconnect()


REFS = itertools.count()


async def answered(socket, message):
    ref = f"h{next(REFS)}"
    await socket.send_json_to({**message, "ref": ref})
    while (reply := await socket.receive_json_from(timeout=5)).get("ref") != ref:
        pass
    assert reply["type"] == "error" or reply["type"].endswith("_ack"), (message, reply)


async def alive(socket):
    await socket.send_json_to({"type": "ping", "ref": "alive"})
    while (reply := await socket.receive_json_from(timeout=5))["type"] != "pong":
        pass
    assert reply["ref"] == "alive"


@pytest.fixture
def settings_frame_rate():
    """Room for a few hundred frames in a row from one socket, which a real client's rate refuses."""
    before = dict(settings.REALTIME)
    settings.REALTIME.update({"FRAME_RATE": 10_000, "FRAME_BURST": 10_000})
    yield
    settings.REALTIME.clear()
    settings.REALTIME.update(before)
