"""The moderation queue in the Django admin, worked by a staff moderator who is not a superuser."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import ProductStatus
from commerce.services.catalog import product_image_add
from commerce.tests.factories import ProductFactory, picture_upload
from moderation.models import AuditAction, HeldStatus, ModerationAction, Report, ReportStatus, Sanction, SanctionKind
from moderation.services.check import check_message
from moderation.services.held import message_hold
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.reports import report_create
from moderation.services.sanctions import sanction_impose
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db

REPORTS = reverse("admin:moderation_report_changelist")
HELD = reverse("admin:moderation_heldmessage_changelist")


@pytest.fixture
def moderator():
    moderator = staff_moderator_appoint(user=UserFactory())
    assert not moderator.is_superuser
    return moderator


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def _held(text, seller=None):
    sender = TrustedUserFactory()
    seller = seller or SellerFactory()
    verdict = check_message(sender=sender, text=text, seller_id=seller.pk, show_id=3)
    return message_hold(sender=sender, seller_id=seller.pk, show_id=3, verdict=verdict)


def test_a_report_arrives_a_moderator_mutes_the_user_from_the_queue_and_their_next_message_is_refused(
    moderator_client, moderator, django_capture_on_commit_callbacks
):
    troll = TrustedUserFactory(display_name="Troll")
    reporter = APIClient()
    reporter.force_authenticate(UserFactory())
    arrived = reporter.post(
        reverse("api:reports"),
        {"kind": "user", "id": troll.pk, "reason": "harassment", "details": "Insults everyone in chat"},
        format="json",
    )
    assert arrived.status_code == 201
    assert check_message(sender=troll, text="hello").code == "ok"
    queue = moderator_client.get(REPORTS, {"status__exact": "open"})
    assert "Troll" in queue.content.decode()
    chosen = {"action": "mute", ACTION_CHECKBOX_NAME: [arrived.json()["id"]]}

    asked = moderator_client.post(REPORTS, chosen)
    with django_capture_on_commit_callbacks(execute=True):
        done = moderator_client.post(
            REPORTS, {**chosen, "apply": "1", "reason": "Harassing buyers", "scope": "global", "duration": "24h"}
        )

    assert asked.status_code == 200
    assert "Reason" in asked.content.decode()
    assert done.status_code == 302
    verdict = check_message(sender=troll, text="hello again")
    assert verdict.code == "muted"
    assert "Reason: Harassing buyers" in verdict.message
    sanction = Sanction.objects.get(user=troll)
    assert (sanction.kind, sanction.created_by, sanction.expires_at is not None) == (SanctionKind.MUTE, moderator, True)
    assert Report.objects.get().status == ReportStatus.UPHELD
    audited = set(ModerationAction.objects.values_list("action", flat=True))
    assert audited == {AuditAction.MUTE, AuditAction.REPORT_UPHOLD}
    assert Notification.objects.get(user=troll).title == "You were muted on Tokshop"


def test_a_sanction_without_a_reason_is_asked_again_and_nothing_happens(moderator_client, user):
    report, _ = report_create(reporter=user, kind="user", object_id=UserFactory().pk, reason="spam")

    response = moderator_client.post(
        REPORTS, {"action": "ban", ACTION_CHECKBOX_NAME: [report.pk], "apply": "1", "reason": "", "scope": "global"}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Sanction.objects.exists()
    assert Report.objects.get().status == ReportStatus.OPEN


def test_dismiss_from_the_queue_tells_each_reporter_and_skips_decided_ones(moderator_client):
    product = ProductFactory()
    reports = [report_create(reporter=UserFactory(), kind="product", object_id=product.pk, reason="spam")[0]]
    reports.append(report_create(reporter=UserFactory(), kind="user", object_id=product.seller_id, reason="spam")[0])
    moderator_client.post(REPORTS, {"action": "uphold", ACTION_CHECKBOX_NAME: [reports[1].pk]})

    response = moderator_client.post(REPORTS, {"action": "dismiss", ACTION_CHECKBOX_NAME: [r.pk for r in reports]})

    assert response.status_code == 302
    assert dict(Report.objects.values_list("pk", "status")) == {
        reports[0].pk: ReportStatus.DISMISSED,
        reports[1].pk: ReportStatus.UPHELD,
    }
    assert Notification.objects.filter(title="We looked at your report").count() == 1


def test_deleting_a_reported_product_from_the_queue_archives_it_once(moderator_client, user):
    product = ProductFactory()
    reports = [
        report_create(reporter=reporter, kind="product", object_id=product.pk, reason="prohibited")[0]
        for reporter in [user, UserFactory()]
    ]

    response = moderator_client.post(
        REPORTS,
        {"action": "delete_content", ACTION_CHECKBOX_NAME: [r.pk for r in reports], "apply": "1", "reason": "Fakes"},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED
    assert ModerationAction.objects.filter(action=AuditAction.CONTENT_DELETE, reason="Fakes").count() == 1
    assert Notification.objects.filter(user=product.seller).count() == 1
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.UPHELD}


def test_a_reported_product_is_shown_in_context(moderator_client, user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    product = ProductFactory(title="Too good to be true", description="Brand new designer bag, 10 dollars")
    picture = product_image_add(seller=product.seller, product_id=product.pk, image=picture_upload())
    report, _ = report_create(reporter=user, kind="product", object_id=product.pk, reason="prohibited")

    page = moderator_client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()

    for shown in ["Too good to be true", "Brand new designer bag", product.seller.email, picture.image.url]:
        assert shown in page
    assert product.get_absolute_url() in page


def test_a_reported_person_is_shown_with_their_record(moderator_client, moderator, user):
    troll = UserFactory(display_name="Troll")
    sanction_impose(actor=moderator, user=troll, kind=SanctionKind.WARNING, reason="Spamming links")
    report_create(reporter=UserFactory(), kind="user", object_id=troll.pk, reason="scam")
    report, _ = report_create(reporter=user, kind="user", object_id=troll.pk, reason="harassment")

    page = moderator_client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()

    assert "Troll" in page
    assert "Warning on Tokshop: Spamming links" in page
    assert "Scam or payment off Tokshop (user, open" in page


def test_a_held_message_is_shown_with_the_senders_other_held_messages(moderator_client):
    first = _held("Text me at 555 123 4567")
    second_verdict = check_message(sender=first.sender, text="or pay me on cashapp $dealz", seller_id=first.seller_id)
    second = message_hold(sender=first.sender, seller_id=first.seller_id, verdict=second_verdict)

    page = moderator_client.get(reverse("admin:moderation_heldmessage_change", args=[second.pk])).content.decode()
    queue = moderator_client.get(HELD, {"status__exact": "pending"}).content.decode()

    assert "or pay me on cashapp $dealz" in page
    assert "off_platform_payment" in page
    assert "Text me at 555 123 4567" in page
    assert "Text me at 555 123 4567" in queue


def test_held_messages_are_released_or_their_sender_banned_from_the_queue(
    moderator_client, moderator, django_capture_on_commit_callbacks
):
    released = _held("Call 555 123 4567")
    spammer = _held("pay me on venmo @scammer")

    moderator_client.post(HELD, {"action": "release", ACTION_CHECKBOX_NAME: [released.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            HELD,
            {
                "action": "ban",
                ACTION_CHECKBOX_NAME: [spammer.pk],
                "apply": "1",
                "reason": "Payment scams",
                "scope": "seller",
                "duration": "",
            },
        )

    assert response.status_code == 302
    released.refresh_from_db()
    spammer.refresh_from_db()
    assert (released.status, released.decided_by) == (HeldStatus.RELEASED, moderator)
    assert spammer.status == HeldStatus.REMOVED
    ban = Sanction.objects.get(user=spammer.sender)
    assert (ban.kind, ban.scope, ban.seller_id, ban.expires_at) == ("ban", "seller", spammer.seller_id, None)
    assert check_message(sender=spammer.sender, text="hi", seller_id=spammer.seller_id).code == "banned"
    # Another text: a sanctioned sender is low-trust, and may not repeat a message at all.
    assert check_message(sender=spammer.sender, text="hello", seller_id=SellerFactory().pk).code == "ok"


@pytest.mark.parametrize("model", ["report", "heldmessage"])
def test_the_queue_opens_to_moderators_and_not_to_other_staff(client, moderator_client, model):
    url = reverse(f"admin:moderation_{model}_changelist")
    client_for_staff = client.__class__()
    client_for_staff.force_login(UserFactory(is_staff=True))

    assert moderator_client.get(url).status_code == 200
    assert client_for_staff.get(url).status_code == 403
