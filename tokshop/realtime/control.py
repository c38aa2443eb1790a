"""Control messages to a user's open sockets, carried by the channel layer."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .groups import user_group


def user_sockets_close(*, user_id: int, reason: str) -> None:
    """Close every socket the user has open, on every server process."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "realtime.close", "reason": reason})


def user_room_sockets_close(
    *, user_id: int, reason: str, show_id: int | None = None, seller_id: int | None = None
) -> None:
    """Close the user's live room sockets, on every server process: in one show (`show_id`), in a
    seller's shows (`seller_id`), or in every room (neither). Their other sockets stay open."""
    layer = get_channel_layer()
    if layer is not None:
        message = {"type": "realtime.leave_room", "reason": reason, "show_id": show_id, "seller_id": seller_id}
        async_to_sync(layer.group_send)(user_group(user_id), message)
