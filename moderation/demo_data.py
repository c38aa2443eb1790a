"""Moderation demo data for `manage.py seed_demo`, made through the real services."""

from collections.abc import Callable
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from tokshop.core.demo import DEMO_MODERATOR, DEMO_SELLER
from tokshop.users.models import User

from .models import VerificationRequest
from .services.moderators import staff_moderator_appoint
from .services.verification import verification_request_submit


def ensure_moderator() -> None:
    """The demo moderator is one of Tokshop's own: the admin's moderation queue opens to them."""
    staff_moderator_appoint(user=User.objects.get(email=DEMO_MODERATOR))


def ensure_verification_request() -> None:
    """The demo seller waits for verification, so the admin has a request to approve or reject."""
    seller = User.objects.get(email=DEMO_SELLER)
    if VerificationRequest.objects.filter(seller=seller).exists():
        return
    verification_request_submit(
        seller=seller,
        entity_type="individual",
        legal_name="Samuel Seller",
        business_name="Vintage Vault",
        country="US",
        address_line1="200 Market Street",
        city="San Francisco",
        postal_code="94105",
        phone="+1 415 555 0142",
        date_of_birth=date(1988, 4, 2),
        document=SimpleUploadedFile("id.pdf", b"%PDF-1.4\n% A demo ID document\n%%EOF\n"),
    )


def demo_steps() -> list[tuple[str, Callable[[], None]]]:
    return [("the moderators", ensure_moderator), ("a seller awaiting verification", ensure_verification_request)]
