"""Seller verification: a seller asks with what a moderator needs, Tokshop's moderators decide."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.core.images import image_validate
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create
from tokshop.users.models import SellerProfile
from tokshop.users.models import VerificationStatus as ShopVerification
from tokshop.users.services import seller_verification_status_set

from ..models import DOCUMENT_EXTENSIONS, AuditAction, EntityType, VerificationRequest, VerificationStatus
from .audit import audit_record, moderation_permission_check
from .check import sanctions_forget

if TYPE_CHECKING:
    from tokshop.users.models import User

DOCUMENT_IMAGE_TYPES = {kind for kind in DOCUMENT_EXTENSIONS if kind.startswith("image/")}
DOCUMENT_HINT = "Upload a photo or scan of an ID document: PDF, JPEG, PNG or WebP."
# Sellers are adults: payouts and contracts need one.
MINIMUM_AGE = 18


def _document_validate(document: UploadedFile) -> str:
    """The document's MIME type, from its bytes: a PDF, or a picture Pillow can read."""
    limit = settings.VERIFICATION_DOCUMENT_MAX_BYTES
    if document.size is not None and document.size > limit:
        raise ApplicationError(
            "The document is too large.", fields={"document": [f"Use a file under {limit // (1024 * 1024)} MB."]}
        )
    head = document.read(5)
    document.seek(0)
    if head == b"%PDF-":
        return "application/pdf"
    try:
        return image_validate(document, field="document", max_bytes=limit, content_types=DOCUMENT_IMAGE_TYPES)
    except ApplicationError:
        raise ApplicationError("That file is not a PDF or a picture.", fields={"document": [DOCUMENT_HINT]}) from None


def _years_between(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@transaction.atomic
def verification_request_submit(
    *,
    seller: User,
    entity_type: str,
    legal_name: str,
    business_name: str,
    country: str,
    address_line1: str,
    city: str,
    postal_code: str,
    phone: str,
    document: UploadedFile,
    address_line2: str = "",
    date_of_birth: date | None = None,
    company_number: str = "",
    tax_id: str = "",
) -> VerificationRequest:
    """Ask Tokshop to verify the seller's shop; one request may be pending at a time (409 otherwise).

    The document is checked before anything is stored; it is kept in private storage."""
    profile = SellerProfile.objects.select_for_update().filter(user=seller).first()
    if profile is None:
        raise PermissionDenied("Open a shop before asking to be verified.", code="no_shop")
    if profile.verification_status == ShopVerification.VERIFIED:
        raise Conflict("Your shop is already verified.", code="already_verified")
    if VerificationRequest.objects.filter(seller=seller, status=VerificationStatus.PENDING).exists():
        raise Conflict("Your request is already being reviewed.", code="verification_pending")
    fields: dict[str, list[str]] = {}
    today = timezone.localdate()
    if entity_type == EntityType.INDIVIDUAL:
        company_number = ""
        if date_of_birth is None:
            fields["date_of_birth"] = ["Enter your date of birth."]
        elif _years_between(date_of_birth, today) < MINIMUM_AGE:
            fields["date_of_birth"] = [f"Sellers must be at least {MINIMUM_AGE} years old."]
    elif entity_type == EntityType.COMPANY:
        date_of_birth = None
        if not company_number.strip():
            fields["company_number"] = ["Enter the company's registration number."]
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    content_type = _document_validate(document)
    request = VerificationRequest(
        seller=seller,
        entity_type=entity_type,
        legal_name=legal_name.strip(),
        business_name=business_name.strip(),
        country=country.strip().upper(),
        address_line1=address_line1.strip(),
        address_line2=address_line2.strip(),
        city=city.strip(),
        postal_code=postal_code.strip(),
        phone=phone.strip(),
        date_of_birth=date_of_birth,
        company_number=company_number.strip(),
        tax_id=tax_id.strip(),
        document_content_type=content_type,
    )
    try:
        request.full_clean(exclude=["document", "seller"])
    except DjangoValidationError as error:
        raise ApplicationError(INVALID_FIELDS, fields=error.message_dict) from None
    request.document.save("document", document, save=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # The profile's row lock serialises submissions; the unique index is the last word all the same.
        request.document.delete(save=False)
        raise Conflict("Your request is already being reviewed.", code="verification_pending") from None
    seller_verification_status_set(seller=seller, status=ShopVerification.PENDING)
    return request


def _pending_locked(request_id: int) -> VerificationRequest:
    request = VerificationRequest.objects.select_for_update().select_related("seller").filter(pk=request_id).first()
    if request is None:
        raise NotFound("No such verification request.")
    if request.status != VerificationStatus.PENDING:
        raise Conflict(f"This request was already {request.get_status_display().lower()}.", code="verification_decided")
    return request


def _decide(*, actor: User, request: VerificationRequest, status: str, reason: str = "") -> VerificationRequest:
    request.status = status
    request.reviewer = actor
    request.reviewed_at = timezone.now()
    request.rejection_reason = reason
    request.save(update_fields=["status", "reviewer", "reviewed_at", "rejection_reason"])
    approved = status == VerificationStatus.APPROVED
    seller_verification_status_set(
        seller=request.seller, status=ShopVerification.VERIFIED if approved else ShopVerification.REJECTED
    )
    audit_record(
        actor=actor,
        action=AuditAction.VERIFICATION_APPROVE if approved else AuditAction.VERIFICATION_REJECT,
        target_user=request.seller,
        reason=reason,
        details={"verification_request": request.pk},
    )
    if approved:
        title, body = "Your shop is verified", "Buyers now see the verified badge on your shop and products."
    else:
        title, body = "Your shop was not verified", f"Reason: {reason.rstrip('.')}. You can correct it and ask again."
    # The seller reads the decision where they asked, not on their moderation standing page.
    notification_create(
        user=request.seller,
        kind=NotificationKind.ACCOUNT,
        title=title,
        body=body,
        url=reverse("moderation:seller_verification"),
    )
    # Verification is part of the seller's trust level, which the message check keeps cached.
    sanctions_forget(request.seller_id)
    return request


@transaction.atomic
def verification_approve(*, actor: User, request_id: int) -> VerificationRequest:
    """Verify the seller: Tokshop's own moderators only; a request decides once (409 after)."""
    moderation_permission_check(actor=actor, seller_id=None)
    return _decide(actor=actor, request=_pending_locked(request_id), status=VerificationStatus.APPROVED)


@transaction.atomic
def verification_reject(*, actor: User, request_id: int, reason: str) -> VerificationRequest:
    """Refuse to verify the seller, saying why: Tokshop's own moderators only; a request decides once."""
    moderation_permission_check(actor=actor, seller_id=None)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            "Say why the request is rejected.", fields={"reason": ["The seller is told this reason."]}
        )
    return _decide(
        actor=actor, request=_pending_locked(request_id), status=VerificationStatus.REJECTED, reason=reason[:500]
    )
