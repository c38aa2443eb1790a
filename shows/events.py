"""The payloads the shows app puts on the live room's stream (`show.<id>`); docs/protocol.md lists
each with its fields."""

from typing import Any

from tokshop.realtime.groups import show_group
from tokshop.realtime.streams import publish_on_commit

from .models import Show


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def show_state_payload(show: Show) -> dict[str, Any]:
    """What a viewer needs to know of the show itself: where it stands and what it allows."""
    return {
        "id": show.pk,
        "title": show.title,
        "status": show.status,
        "scheduled_start": iso(show.scheduled_start),
        "started_at": iso(show.started_at),
        "ended_at": iso(show.ended_at),
        "chat_enabled": show.chat_enabled,
        "questions_enabled": show.questions_enabled,
    }


def show_event(show_id: int, type_: str, payload: dict[str, Any]) -> None:
    """Publish one event to everyone in the show's room once the transaction commits."""
    publish_on_commit(show_group(show_id), type_, payload)


def show_status_changed(show: Show) -> None:
    from django.db import transaction

    from .signals import show_status_changed as status_changed

    show_event(show.pk, "show.status_changed", {"show": show_state_payload(show)})
    transaction.on_commit(lambda: status_changed.send(sender=Show, show=show))


def show_staff_event(show_id: int, type_: str, payload: dict[str, Any]) -> None:
    """Send one message to the room's host and moderators once the transaction commits.

    Staff messages go over the channel layer (the staff group is small), unsequenced: a staff
    client that reconnects reads the current state from its snapshot.
    """
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.db import transaction

    from tokshop.realtime.groups import show_staff_group

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            message = {"type": "room.staff", "event_type": type_, "payload": payload}
            async_to_sync(layer.group_send)(show_staff_group(show_id), message)

    transaction.on_commit(send, robust=True)


def lineup_payload(show: Show) -> list[dict[str, Any]]:
    """The show's lineup as the room lists it: each product in order, with its price and picture."""
    items = show.lineup.select_related("product").prefetch_related("product__images")
    payload = []
    for item in items:
        product = item.product
        picture = next(iter(product.images.all()), None)
        payload.append(
            {
                "id": item.pk,
                "position": item.position,
                "product_id": product.pk,
                "title": product.title,
                "price_cents": product.price_cents,
                "currency": product.currency,
                "url": product.get_absolute_url(),
                "thumbnail": picture.thumbnail.url if picture is not None and picture.thumbnail else None,
            }
        )
    return payload


def lineup_updated(show: Show) -> None:
    show_event(show.pk, "lineup.updated", {"lineup": lineup_payload(show)})
