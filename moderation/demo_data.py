"""Moderation demo data for `manage.py seed_demo`, made through the real services: a moderator,
open reports, messages the check held waiting in the queue, a seller awaiting verification, and a buyer
with warnings, a mute and an appeal."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.models import Product
from tokshop.core.demo import DEMO_BUYER, DEMO_MODERATOR, DEMO_SELLER
from tokshop.users.models import User

from .models import HeldMessage, ReportReason, SanctionKind, SanctionScope, VerificationRequest
from .services.appeals import appeal_create
from .services.check import check_message
from .services.held import message_hold
from .services.moderators import staff_moderator_appoint
from .services.reports import report_create
from .services.sanctions import sanction_impose
from .services.verification import verification_request_submit

# A demo buyer with a record: /account/moderation/ has something to show them, and the moderator
# an appeal to decide.
DEMO_SANCTIONED = "dev@tokshop.demo"


@dataclass(frozen=True)
class DemoReport:
    reporter: str
    kind: str
    # A product by its SKU in the demo shop, a person by their e-mail.
    target: str
    reason: str
    details: str


DEMO_REPORTS = [
    DemoReport(
        DEMO_BUYER,
        "product",
        "VV-003",
        ReportReason.PROHIBITED,
        "The label in the photo is a 2015 reissue, not a 1959 first pressing.",
    ),
    DemoReport(
        "cleo@tokshop.demo",
        "user",
        "dev@tokshop.demo",
        ReportReason.HARASSMENT,
        "Kept mocking my questions in Vintage Vault's show chat.",
    ),
]
# (sender, text): each is held by the real message check, in the demo seller's shows.
DEMO_HELD_MESSAGES = [
    ("dev@tokshop.demo", "Text me on 503-555-0147 and I'll beat the seller's price on that camera"),
    ("cleo@tokshop.demo", "pay me on venmo @cleo-finds and I'll ship the lamp today"),
]


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


def ensure_reports() -> None:
    """Reporting the same thing twice returns the first report, so this runs again safely."""
    for demo in DEMO_REPORTS:
        if demo.kind == "product":
            target_id = Product.objects.get(seller__email=DEMO_SELLER, sku=demo.target).pk
        else:
            target_id = User.objects.get(email=demo.target).pk
        report_create(
            reporter=User.objects.get(email=demo.reporter),
            kind=demo.kind,
            object_id=target_id,
            reason=demo.reason,
            details=demo.details,
        )


def ensure_held_messages() -> None:
    seller = User.objects.get(email=DEMO_SELLER)
    for email, text in DEMO_HELD_MESSAGES:
        sender = User.objects.get(email=email)
        # Checked once only: the check counts every message, and the same text again is refused as repeated.
        if HeldMessage.objects.filter(sender=sender, seller=seller, text=text).exists():
            continue
        verdict = check_message(sender=sender, text=text, seller_id=seller.pk)
        message_hold(sender=sender, seller_id=seller.pk, verdict=verdict)


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
    return [
        ("the moderators", ensure_moderator),
        ("open reports", ensure_reports),
        ("held messages", ensure_held_messages),
        ("a seller awaiting verification", ensure_verification_request),
        # After the held messages: muted, the same sender's message would be refused, not held.
        ("a sanctioned buyer with an appeal", ensure_sanctions),
    ]
