"""Reports: anyone signed in reports a person or a product once; moderators decide, the reporter hears."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import ProductStatus
from commerce.services.catalog import product_archive
from commerce.tests.factories import ProductFactory
from moderation.models import AuditAction, ModerationAction, Report, ReportStatus
from moderation.reportables import reportable_kinds
from moderation.services.moderators import seller_moderator_appoint, staff_moderator_appoint
from moderation.services.reports import report_content_delete, report_create, report_decide
from moderation.signals import content_removed
from tokshop.core.errors import Conflict, PermissionDenied
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORTS = reverse("api:reports")


@pytest.fixture
def product():
    return ProductFactory(title="Rolex for 20 dollars", description="Genuine, trust me")


@pytest.fixture
def moderator():
    return staff_moderator_appoint(user=UserFactory())


def _report(client, kind, pk, reason="scam", **extra):
    return client.post(REPORTS, {"kind": kind, "id": pk, "reason": reason, **extra}, format="json")


def test_moderation_registers_people_and_products():
    assert {"user", "product"} <= set(reportable_kinds())


def test_a_buyer_reports_a_product_once_whatever_they_send_again(user, user_client, product):
    first = _report(user_client, "product", product.pk, details="  Fake watch, 20 dollars  ")
    again = _report(user_client, "product", product.pk, reason="spam", details="Changed my mind")

    assert first.status_code == 201
    assert first.json() | {"created_at": None} == {
        "id": first.json()["id"],
        "kind": "product",
        "object_id": product.pk,
        "reason": "scam",
        "details": "Fake watch, 20 dollars",
        "status": "open",
        "created_at": None,
        "decided_at": None,
    }
    assert again.status_code == 200
    assert again.json() == first.json()
    report = Report.objects.get()
    assert (report.reporter, report.target_user, report.seller) == (user, product.seller, product.seller)


def test_a_person_is_reported_and_the_reports_list_holds_only_mine(user, user_client, other_user):
    theirs = report_create(reporter=other_user, kind="user", object_id=user.pk, reason="harassment")[0]

    created = _report(user_client, "user", other_user.pk, reason="harassment")
    listed = user_client.get(REPORTS).json()

    assert created.status_code == 201
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    assert theirs.pk not in [row["id"] for row in listed["results"]]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("missing product", 404, "not_found"),
        ("someone else's archived product", 404, "not_found"),
        ("deactivated person", 404, "not_found"),
        ("unknown kind", 400, "invalid"),
        ("unknown reason", 400, "invalid"),
        ("myself", 400, "self_report"),
        ("my own archived product", 400, "self_report"),
        ("an id past bigint", 400, "invalid"),
        ("details too long", 400, "invalid"),
        ("an extra field", 400, "invalid"),
    ],
)
def test_bad_reports_are_refused_with_why_and_store_nothing(case, status, code):
    me = SellerProfileFactory().user
    client = APIClient()
    client.force_authenticate(me)
    archived = ProductFactory()
    product_archive(seller=archived.seller, product_id=archived.pk)
    mine = ProductFactory(seller=me)
    product_archive(seller=me, product_id=mine.pk)
    gone = UserFactory(is_active=False)
    body = {
        "missing product": {"kind": "product", "id": 999_999_999},
        "someone else's archived product": {"kind": "product", "id": archived.pk},
        "deactivated person": {"kind": "user", "id": gone.pk},
        "unknown kind": {"kind": "order", "id": 1},
        "unknown reason": {"kind": "user", "id": gone.pk, "reason": "ugly"},
        "myself": {"kind": "user", "id": me.pk},
        "my own archived product": {"kind": "product", "id": mine.pk},
        "an id past bigint": {"kind": "product", "id": 2**63},
        "details too long": {"kind": "product", "id": archived.pk, "details": "x" * 1001},
        "an extra field": {"kind": "product", "id": archived.pk, "status": "upheld"},
    }[case]

    response = client.post(REPORTS, {"reason": "spam", **body}, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]
    assert not Report.objects.exists()


def test_reports_need_a_signed_in_user(api_client, product):
    assert _report(api_client, "product", product.pk).status_code == 401
    assert not Report.objects.exists()


def test_dismissing_tells_the_reporter_and_audits(user, product, moderator):
    report, _ = report_create(reporter=user, kind="product", object_id=product.pk, reason="scam")

    report_decide(actor=moderator, report_id=report.pk, status=ReportStatus.DISMISSED, reason="A real watch")

    report.refresh_from_db()
    assert (report.status, report.decided_by) == (ReportStatus.DISMISSED, moderator)
    assert report.decided_at is not None
    notice = Notification.objects.get(user=user)
    assert (notice.kind, notice.title) == (NotificationKind.MODERATION, "We looked at your report")
    entry = ModerationAction.objects.get(action=AuditAction.REPORT_DISMISS)
    assert (entry.actor, entry.reason, entry.details["report"]) == (moderator, "A real watch", report.pk)
    # The seller was not told someone reported them.
    assert not Notification.objects.filter(user=product.seller).exists()


def test_a_report_is_decided_once_and_only_by_tokshops_moderators(user, product, moderator):
    report, _ = report_create(reporter=user, kind="product", object_id=product.pk, reason="scam")
    shop_moderator = UserFactory()
    seller_moderator_appoint(seller=product.seller, moderator=shop_moderator)

    with pytest.raises(PermissionDenied):
        report_decide(actor=shop_moderator, report_id=report.pk, status=ReportStatus.UPHELD)
    with pytest.raises(PermissionDenied):
        report_decide(actor=product.seller, report_id=report.pk, status=ReportStatus.DISMISSED)
    report_decide(actor=moderator, report_id=report.pk, status=ReportStatus.UPHELD)
    with pytest.raises(Conflict):
        report_decide(actor=moderator, report_id=report.pk, status=ReportStatus.DISMISSED)

    assert Report.objects.get().status == ReportStatus.UPHELD
    decisions = [AuditAction.REPORT_UPHOLD, AuditAction.REPORT_DISMISS]
    assert ModerationAction.objects.filter(action__in=decisions).count() == 1


def test_deleting_a_product_archives_it_upholds_every_report_of_it_and_tells_the_seller(
    product, moderator, django_capture_on_commit_callbacks
):
    reporters = UserFactory.create_batch(2)
    reports = [
        report_create(reporter=r, kind="product", object_id=product.pk, reason="prohibited")[0] for r in reporters
    ]
    heard = []
    content_removed.connect(lambda **kwargs: heard.append(kwargs), weak=False, dispatch_uid="test-heard")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            report_content_delete(actor=moderator, report_id=reports[0].pk, reason="Counterfeit watches")
    finally:
        content_removed.disconnect(dispatch_uid="test-heard")

    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.UPHELD}
    assert Notification.objects.filter(user__in=reporters, title="We acted on your report").count() == 2
    told = Notification.objects.get(user=product.seller)
    assert (told.title, told.body) == ("Your product was taken down", "Reason: Counterfeit watches")
    entry = ModerationAction.objects.get(action=AuditAction.CONTENT_DELETE)
    assert entry.target_user == product.seller
    assert sorted(entry.details["reports"]) == sorted(r.pk for r in reports)
    assert [(h["kind"], h["object_id"], h["reason"]) for h in heard] == [("product", product.pk, "Counterfeit watches")]


def test_a_person_is_not_content_to_delete(user, other_user, moderator):
    report, _ = report_create(reporter=user, kind="user", object_id=other_user.pk, reason="spam")

    with pytest.raises(Exception, match="not content"):
        report_content_delete(actor=moderator, report_id=report.pk, reason="Gone")

    assert Report.objects.get().status == ReportStatus.OPEN


# --- The report page, without JavaScript ------------------------------------------------------------


def test_the_report_page_files_a_report_and_goes_back_to_the_product(client, user, product):
    client.force_login(user)
    url = reverse("moderation:report", args=["product", product.pk])

    page = client.get(url)
    sent = client.post(url, {"reason": "prohibited", "details": "Counterfeit"})
    again = client.get(url)

    assert page.status_code == 200
    assert product.title in page.content.decode()
    assert sent.status_code == 302
    assert sent["Location"] == product.get_absolute_url()
    assert Report.objects.get().details == "Counterfeit"
    assert 'data-testid="existing-report"' in again.content.decode()
    assert 'data-testid="report-form"' not in again.content.decode()


def test_the_report_page_shows_what_is_wrong_with_the_form(client, user, product):
    client.force_login(user)

    response = client.post(reverse("moderation:report", args=["product", product.pk]), {"reason": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("kind", ["product", "user", "order"])
def test_the_report_page_is_404_for_what_the_reporter_cannot_see(client, user, kind):
    client.force_login(user)

    response = client.get(reverse("moderation:report", args=[kind, 999_999_999]))

    assert response.status_code == 404


def test_the_report_page_asks_a_visitor_to_sign_in(client, product):
    response = client.get(reverse("moderation:report", args=["product", product.pk]))

    assert response.status_code == 302
    assert reverse("users:login") in response["Location"]


def test_product_and_shop_pages_link_to_the_report_page_except_for_their_owner(client, user, product):
    shop = product.seller.seller_profile
    client.force_login(user)

    product_page = client.get(product.get_absolute_url()).content.decode()
    shop_page = client.get(reverse("commerce:shop", args=[shop.slug])).content.decode()
    client.force_login(product.seller)
    own_product = client.get(product.get_absolute_url()).content.decode()
    own_shop = client.get(reverse("commerce:shop", args=[shop.slug])).content.decode()

    assert reverse("moderation:report", args=["product", product.pk]) in product_page
    assert reverse("moderation:report", args=["user", product.seller_id]) in shop_page
    assert "report-product" not in own_product
    assert "report-seller" not in own_shop
