"""Control messages to a user's open sockets, carried by the channel layer."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .groups import user_group


def user_sockets_close(*, user_id: int, reason: str) -> None:
    """Close every socket the user has open, on every server process."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "realtime.close", "reason": reason})
