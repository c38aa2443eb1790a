"""Moderation demo data for `manage.py seed_demo`, made through the real services."""

from collections.abc import Callable
from datetime import timedelta

from tokshop.core.demo import DEMO_MODERATOR, DEMO_SELLER
from tokshop.users.models import User

from .models import SanctionKind, SanctionScope
from .services.appeals import appeal_create
from .services.moderators import staff_moderator_appoint
from .services.sanctions import sanction_impose

# A demo buyer with a record: /account/moderation/ has something to show them, and the moderator
# an appeal to decide.
DEMO_SANCTIONED = "dev@tokshop.demo"


def ensure_moderator() -> None:
    """The demo moderator is one of Tokshop's own: the admin's moderation queue opens to them."""
    staff_moderator_appoint(user=User.objects.get(email=DEMO_MODERATOR))


def ensure_sanctions() -> None:
    """Two warnings in the demo seller's shows and a day's mute by the moderator, appealed."""
    viewer = User.objects.get(email=DEMO_SANCTIONED)
    if viewer.sanctions.exists():
        return
    seller = User.objects.get(email=DEMO_SELLER)
    for reason in ["Shouting in the chat", "Links to another shop"]:
        sanction_impose(
            actor=seller,
            user=viewer,
            kind=SanctionKind.WARNING,
            reason=reason,
            scope=SanctionScope.SELLER,
            seller=seller,
        )
    mute = sanction_impose(
        actor=User.objects.get(email=DEMO_MODERATOR),
        user=viewer,
        kind=SanctionKind.MUTE,
        reason="Asking buyers to pay outside Tokshop",
        scope=SanctionScope.SELLER,
        seller=seller,
        duration=timedelta(days=1),
    )
    appeal_create(user=viewer, sanction_id=mute.pk, text="I pointed to the seller's own checkout, not another payment.")


def demo_steps() -> list[tuple[str, Callable[[], None]]]:
    return [("the moderators", ensure_moderator), ("a sanctioned buyer with an appeal", ensure_sanctions)]
