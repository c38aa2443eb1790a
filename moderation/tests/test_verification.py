"""Seller verification: the request, its private document, and the moderators' decision."""

import os
import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from commerce.tests.factories import picture_upload
from moderation.models import AuditAction, ModerationAction, VerificationRequest, VerificationStatus
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.verification import verification_approve, verification_reject, verification_request_submit
from tokshop.core.errors import ApplicationError, Conflict, PermissionDenied
from tokshop.notifications.models import Notification
from tokshop.users.models import SellerProfile
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

API = reverse("api:seller-verification")
PAGE = reverse("moderation:seller_verification")


def pdf_upload(name: str = "passport.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def details(**overrides):
    return {
        "entity_type": "individual",
        "legal_name": "Ada Lovelace",
        "business_name": "Analytical Vintage",
        "country": "gb",
        "address_line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "phone": "+44 20 7946 0958",
        "date_of_birth": date(1990, 12, 10),
        **overrides,
    }


@pytest.fixture
def shop():
    return SellerProfileFactory()


@pytest.fixture
def moderator():
    return staff_moderator_appoint(user=UserFactory())


def submitted(shop, **overrides):
    return verification_request_submit(seller=shop.user, document=pdf_upload(), **details(**overrides))


# --- Asking ---------------------------------------------------------------------------------------


def test_a_request_is_pending_with_its_document_stored_privately(shop):
    request = submitted(shop)

    shop.refresh_from_db()
    assert request.status == VerificationStatus.PENDING
    assert (request.country, request.document_content_type) == ("GB", "application/pdf")
    assert shop.verification_status == "pending"
    path = request.document.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert os.path.exists(path)


def test_a_picture_is_a_document_too(shop):
    request = verification_request_submit(seller=shop.user, document=picture_upload("id.jpg", fmt="JPEG"), **details())

    assert request.document_content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("id.pdf", b"just some text", content_type="application/pdf"), "not a PDF or a picture"),
        (SimpleUploadedFile("id.gif", picture_upload(fmt="GIF").read(), content_type="image/gif"), "not a PDF"),
        (
            SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), content_type="application/pdf"),
            "too large",
        ),
    ],
)
def test_a_document_of_the_wrong_type_or_size_is_refused_and_nothing_is_stored(shop, upload, message):
    with pytest.raises(ApplicationError) as refused:
        verification_request_submit(seller=shop.user, document=upload, **details())

    assert message in refused.value.message
    assert "document" in refused.value.fields
    assert not VerificationRequest.objects.exists()
    shop.refresh_from_db()
    assert shop.verification_status == "unverified"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": None}, "date_of_birth"),
        ({"date_of_birth": date.today() - timedelta(days=365 * 17)}, "date_of_birth"),
        ({"entity_type": "company", "company_number": " "}, "company_number"),
        ({"legal_name": "   "}, "legal_name"),
    ],
)
def test_missing_identity_details_are_refused_by_field(shop, overrides, field):
    with pytest.raises(ApplicationError) as refused:
        submitted(shop, **overrides)

    assert field in refused.value.fields
    assert not VerificationRequest.objects.exists()


def test_a_company_gives_its_number_and_no_date_of_birth(shop):
    request = submitted(shop, entity_type="company", company_number="08241234", tax_id="GB123456789")

    assert (request.company_number, request.date_of_birth, request.tax_id) == ("08241234", None, "GB123456789")


def test_one_request_is_pending_at_a_time(shop):
    submitted(shop)

    with pytest.raises(Conflict) as second:
        submitted(shop)

    assert (second.value.status, second.value.code) == (409, "verification_pending")
    assert VerificationRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_leave_one_pending():
    shop = SellerProfileFactory()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def ask() -> None:
        barrier.wait()
        try:
            submitted(shop)
            outcomes.append("created")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["verification_pending"] * 3
    assert VerificationRequest.objects.filter(seller=shop.user).count() == 1


def test_a_user_without_a_shop_cannot_ask():
    with pytest.raises(PermissionDenied):
        verification_request_submit(seller=UserFactory(is_seller=True), document=pdf_upload(), **details())


# --- Deciding -------------------------------------------------------------------------------------


def test_approval_verifies_the_shop_audits_and_tells_the_seller(shop, moderator, django_capture_on_commit_callbacks):
    request = submitted(shop)

    with django_capture_on_commit_callbacks(execute=True):
        verification_approve(actor=moderator, request_id=request.pk)

    request.refresh_from_db()
    shop.refresh_from_db()
    assert (request.status, request.reviewer, request.rejection_reason) == ("approved", moderator, "")
    assert request.reviewed_at is not None
    assert shop.is_verified
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.actor, audit.target_user) == (AuditAction.VERIFICATION_APPROVE, moderator, shop.user)
    assert audit.details == {"verification_request": request.pk}
    notice = Notification.objects.get(user=shop.user)
    assert notice.title == "Your shop is verified"
    assert notice.url == PAGE


def test_rejection_needs_a_reason_and_tells_it(shop, moderator):
    request = submitted(shop)

    with pytest.raises(ApplicationError) as no_reason:
        verification_reject(actor=moderator, request_id=request.pk, reason="  ")
    verification_reject(actor=moderator, request_id=request.pk, reason="The name on the document differs.")

    assert "reason" in no_reason.value.fields
    request.refresh_from_db()
    shop.refresh_from_db()
    assert (request.status, request.rejection_reason) == ("rejected", "The name on the document differs.")
    assert shop.verification_status == "rejected"
    assert ModerationAction.objects.get().action == AuditAction.VERIFICATION_REJECT
    assert "The name on the document differs" in Notification.objects.get(user=shop.user).body
    # A rejected seller may ask again.
    assert submitted(shop).status == "pending"


def test_a_request_is_decided_once(shop, moderator):
    request = submitted(shop)
    verification_approve(actor=moderator, request_id=request.pk)

    with pytest.raises(Conflict) as again:
        verification_reject(actor=moderator, request_id=request.pk, reason="Changed my mind")
    with pytest.raises(Conflict) as verified:
        submitted(shop)

    assert again.value.code == "verification_decided"
    assert verified.value.code == "already_verified"
    assert ModerationAction.objects.count() == 1


def test_only_tokshops_moderators_decide(shop):
    request = submitted(shop)
    sellers_own_moderator = UserFactory()

    for actor in (shop.user, sellers_own_moderator, UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            verification_approve(actor=actor, request_id=request.pk)

    request.refresh_from_db()
    assert request.status == "pending"


# --- The API --------------------------------------------------------------------------------------


def test_the_api_shows_the_status_and_takes_a_request(api_client, shop):
    api_client.force_authenticate(shop.user)

    before = api_client.get(API)
    created = api_client.post(
        API, {**details(date_of_birth="1990-12-10"), "document": pdf_upload()}, format="multipart"
    )
    again = api_client.post(API, {**details(date_of_birth="1990-12-10"), "document": pdf_upload()}, format="multipart")

    assert before.json() == {"verification_status": "unverified", "request": None}
    assert created.status_code == 201, created.json()
    assert created.json()["verification_status"] == "pending"
    assert created.json()["request"]["business_name"] == "Analytical Vintage"
    assert "document" not in created.json()["request"]
    assert (again.status_code, again.json()["code"]) == (409, "verification_pending")


def test_the_api_refuses_bad_input_with_reasons(api_client, shop):
    api_client.force_authenticate(shop.user)

    no_document = api_client.post(API, details(date_of_birth="1990-12-10"), format="multipart")
    bad_file = api_client.post(
        API,
        {**details(date_of_birth="1990-12-10"), "document": SimpleUploadedFile("a.pdf", b"hello")},
        format="multipart",
    )
    foreign_field = api_client.post(
        API,
        {
            **details(date_of_birth="1990-12-10"),
            "document": pdf_upload(),
            "status": "approved",
            "seller": UserFactory().pk,
            "reviewer": shop.user.pk,
        },
        format="multipart",
    )

    assert (no_document.status_code, list(no_document.json()["fields"])) == (400, ["document"])
    assert (bad_file.status_code, list(bad_file.json()["fields"])) == (400, ["document"])
    assert (foreign_field.status_code, sorted(foreign_field.json()["fields"])) == (
        400,
        ["reviewer", "seller", "status"],
    )
    assert not VerificationRequest.objects.exists()


def test_a_seller_sees_only_their_own_request(api_client, client, shop):
    submitted(shop, business_name="Bobs Secret Atelier", phone="+1 555 010 9999")
    intruder = SellerProfileFactory().user
    api_client.force_authenticate(intruder)
    client.force_login(intruder)

    body = api_client.get(API).json()
    page = client.get(PAGE).content

    assert body == {"verification_status": "unverified", "request": None}
    assert b"Bobs Secret Atelier" not in page
    assert b"555 010 9999" not in page


def test_the_api_is_for_sellers_with_a_shop(api_client):
    assert api_client.get(API).status_code == 401
    api_client.force_authenticate(UserFactory())
    assert api_client.get(API).status_code == 403
    api_client.force_authenticate(UserFactory(is_seller=True))
    assert (api_client.get(API).status_code, api_client.get(API).json()["code"]) == (403, "no_shop")


# --- The page -------------------------------------------------------------------------------------


def test_the_page_takes_a_request_then_shows_it_pending(client, shop):
    client.force_login(shop.user)

    empty = client.get(PAGE)
    sent = client.post(PAGE, {**details(date_of_birth="1990-12-10"), "document": pdf_upload()})
    pending = client.get(PAGE)

    assert b"Ask to be verified" in empty.content
    assert reverse("moderation:seller_verification").encode() in client.get(reverse("commerce:seller_products")).content
    assert sent.status_code == 302
    assert b"reviewing your request" in pending.content
    assert b"Send for review" not in pending.content


def test_the_page_asks_a_seller_without_a_shop_to_open_one(client):
    client.force_login(UserFactory(is_seller=True))

    response = client.get(PAGE)

    assert b"Open your shop first" in response.content
    assert b"Send for review" not in response.content


def test_the_page_shows_refusals_beside_their_fields(client, shop):
    client.force_login(shop.user)

    response = client.post(
        PAGE, {**details(date_of_birth="1990-12-10"), "document": SimpleUploadedFile("a.pdf", b"hello")}
    )

    assert response.status_code == 200
    assert b"Upload a photo or scan of an ID document" in response.content
    assert not VerificationRequest.objects.exists()


def test_the_page_shows_a_rejection_with_its_reason(client, shop, moderator):
    verification_reject(actor=moderator, request_id=submitted(shop).pk, reason="Blurry photo")
    client.force_login(shop.user)

    response = client.get(PAGE)

    assert b"Reason: Blurry photo" in response.content
    assert b"Send for review" in response.content


# --- The admin ------------------------------------------------------------------------------------


def test_moderators_approve_and_reject_in_the_admin(client, moderator):
    first, second = submitted(SellerProfileFactory()), submitted(SellerProfileFactory())
    client.force_login(moderator)
    changelist = reverse("admin:moderation_verificationrequest_changelist")

    approved = client.post(changelist, {"action": "approve", "_selected_action": [first.pk]})
    asked = client.post(changelist, {"action": "reject", "_selected_action": [second.pk]})
    no_reason = client.post(changelist, {"action": "reject", "_selected_action": [second.pk], "apply": "1"})
    rejected = client.post(
        changelist, {"action": "reject", "_selected_action": [second.pk], "apply": "1", "reason": "Expired ID"}
    )

    assert approved.status_code == 302
    assert asked.status_code == 200
    assert b"Reject with this reason" in asked.content
    assert no_reason.status_code == 200
    assert b"This field is required" in no_reason.content
    assert rejected.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.rejection_reason) == ("approved", "rejected", "Expired ID")
    assert SellerProfile.objects.get(user=first.seller).is_verified


def test_the_document_opens_for_staff_in_the_admin_only(client, shop, moderator):
    request = submitted(shop)
    url = reverse("admin:moderation_verificationrequest_document", args=[request.pk])

    client.force_login(moderator)
    staff_view = client.get(url)
    detail = client.get(reverse("admin:moderation_verificationrequest_change", args=[request.pk]))
    client.force_login(shop.user)
    owner_view = client.get(url)
    client.force_login(UserFactory(is_staff=True))
    staff_without_permission = client.get(url)

    assert staff_view.status_code == 200
    assert staff_view["Content-Type"] == "application/pdf"
    assert "no-store" in staff_view["Cache-Control"]
    assert b"".join(staff_view.streaming_content).startswith(b"%PDF-")
    assert url.encode() in detail.content
    # The file's storage name never appears where a public URL could be built from it.
    assert request.document.name.encode() not in detail.content
    assert owner_view.status_code == 302
    assert staff_without_permission.status_code == 404
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, request.document.name))


def test_a_verified_shop_shows_the_badge(client, shop, moderator):
    verification_approve(actor=moderator, request_id=submitted(shop).pk)

    response = client.get(reverse("commerce:shop", args=[shop.slug]))

    assert b'data-testid="verified"' in response.content


def test_seed_demo_leaves_the_demo_seller_waiting_once(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())

    [waiting] = VerificationRequest.objects.all()
    assert (waiting.seller.email, waiting.status) == ("seller@tokshop.demo", "pending")
    assert SellerProfile.objects.get(user=waiting.seller).verification_status == "pending"
