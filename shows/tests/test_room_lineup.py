"""The lineup in the live room: in the snapshot, and `lineup.updated` to everyone when the host
changes it on air."""

import pytest
from channels.db import database_sync_to_async

from commerce.tests.factories import ProductFactory
from shows.services.shows import lineup_set

from .factories import LineupItemFactory, ShowFactory
from .sockets import receive_type, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def live_show_with_lineup():
    show = ShowFactory(live=True)
    lamp = ProductFactory(seller=show.seller, title="Lamp", price_cents=2500)
    first = LineupItemFactory(show=show, product=lamp, position=0)
    return show, first, ProductFactory(seller=show.seller, title="Clock")


async def test_the_snapshot_has_the_lineup_and_a_change_on_air_reaches_every_viewer():
    show, first, clock = await live_show_with_lineup()
    viewer = await room_socket(show.pk)

    snapshot = await viewer.receive_json_from(timeout=2)
    await database_sync_to_async(lineup_set)(
        seller=show.seller, show_id=show.pk, product_ids=[clock.pk, first.product_id]
    )
    updated = await receive_type(viewer, "lineup.updated")

    assert snapshot["lineup"] == [
        {
            "id": first.pk,
            "position": 0,
            "product_id": first.product_id,
            "title": "Lamp",
            "price_cents": 2500,
            "currency": "USD",
            "url": first.product.get_absolute_url(),
            "thumbnail": None,
        }
    ]
    assert updated["seq"] == snapshot["seq"] + 1
    assert [(item["title"], item["position"]) for item in updated["lineup"]] == [("Clock", 0), ("Lamp", 1)]
    await viewer.disconnect()
