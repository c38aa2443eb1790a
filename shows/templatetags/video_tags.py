from django import template

from ..livekit import livekit_enabled

register = template.Library()


@register.simple_tag
def video_is_enabled() -> bool:
    """Whether this site's shows have video (LiveKit configured); the room says so plainly otherwise."""
    return livekit_enabled()
