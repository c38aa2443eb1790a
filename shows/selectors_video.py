"""What the live room shows of the video: whether there is any, and its room."""

from typing import Any

from .livekit import livekit_enabled
from .models import ShowParticipant, VideoRoom, VideoRoomState


def video_state(*, show_id: int) -> dict[str, Any]:
    """The snapshot's `video`: off for the whole site, or the room and whether the host's camera is on."""
    if not livekit_enabled():
        return {"enabled": False}
    room = VideoRoom.objects.filter(show_id=show_id).only("name", "state").first()
    is_open = room is not None and room.state == VideoRoomState.OPEN
    return {
        "enabled": True,
        "room": room.name if room is not None else None,
        "open": is_open,
        "publishing": is_open and ShowParticipant.objects.present().filter(show_id=show_id, is_publisher=True).exists(),
    }
