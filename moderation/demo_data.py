"""Moderation demo data for `manage.py seed_demo`, made through the real services."""

from collections.abc import Callable

from tokshop.core.demo import DEMO_MODERATOR
from tokshop.users.models import User

from .services.moderators import staff_moderator_appoint


def ensure_moderator() -> None:
    """The demo moderator is one of Tokshop's own: the admin's moderation queue opens to them."""
    staff_moderator_appoint(user=User.objects.get(email=DEMO_MODERATOR))


def demo_steps() -> list[tuple[str, Callable[[], None]]]:
    return [("the moderators", ensure_moderator)]
