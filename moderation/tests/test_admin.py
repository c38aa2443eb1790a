"""Moderators keep the word lists, patterns, domains and sanctions in the Django admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from moderation.models import Appeal, AppealStatus, AuditAction, ModerationAction, ModerationPattern, Sanction
from moderation.rules import rules_forget
from moderation.services.appeals import appeal_create
from moderation.services.check import check_message
from moderation.services.moderators import seller_moderator_appoint, staff_moderator_appoint
from moderation.services.sanctions import sanction_impose
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_an_invalid_pattern_is_refused_in_the_admin_with_why(admin_client):
    response = admin_client.post(
        reverse("admin:moderation_moderationpattern_add"), {"pattern": r"(a)\1", "action": "hold", "description": ""}
    )

    assert response.status_code == 200
    assert b"back-references" in response.content
    assert not ModerationPattern.objects.exists()


def test_a_ban_added_in_the_admin_refuses_the_users_next_message(admin_client, django_capture_on_commit_callbacks):
    user = TrustedUserFactory()
    assert check_message(sender=user, text="hello").code == "ok"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:moderation_sanction_add"),
            {"user": user.pk, "kind": "ban", "scope": "global", "reason": "Scam attempts"},
        )

    assert response.status_code == 302
    assert Sanction.objects.get().created_by is not None
    assert check_message(sender=user, text="hello again").code == "banned"


def test_a_pattern_added_in_the_admin_applies_to_every_message(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:moderation_moderationpattern_add"),
            {"pattern": r"\bswap\s+only\b", "action": "reject", "description": "Swaps happen elsewhere"},
        )
    rules_forget()

    assert response.status_code == 302
    assert check_message(sender=TrustedUserFactory(), text="SWAP only, no sales").code == "pattern"


@pytest.mark.parametrize(
    "model", ["moderationword", "moderationpattern", "linkdomain", "slowmode", "sanction", "moderationaction", "appeal"]
)
def test_every_moderation_list_opens(admin_client, model):
    assert admin_client.get(reverse(f"admin:moderation_{model}_changelist")).status_code == 200


def test_a_sanction_added_in_the_admin_is_imposed_by_the_moderator_audited_and_told(admin_client):
    user = TrustedUserFactory()

    response = admin_client.post(
        reverse("admin:moderation_sanction_add"),
        {"user": user.pk, "kind": "mute", "scope": "global", "reason": "Spam", "expires_at_0": "", "expires_at_1": ""},
    )

    assert response.status_code == 302
    sanction = Sanction.objects.get()
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.actor, audit.target_user, audit.details) == (
        AuditAction.MUTE,
        sanction.created_by,
        user,
        {"sanction": sanction.pk},
    )
    assert Notification.objects.get(user=user).title == "You were muted on Tokshop"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": "warning", "expires_at_0": "2099-01-01", "expires_at_1": "10:00"}, "A warning has no expiry."),
        ({"kind": "mute", "expires_at_0": "2001-01-01", "expires_at_1": "10:00"}, "Choose a time in the future."),
    ],
)
def test_the_admin_refuses_an_impossible_sanction_with_why(admin_client, fields, error):
    body = {"user": TrustedUserFactory().pk, "scope": "global", "reason": "x", **fields}

    response = admin_client.post(reverse("admin:moderation_sanction_add"), body)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Sanction.objects.exists()


def test_a_sellers_moderator_in_the_admin_cannot_impose_everywhere(client):
    seller = SellerFactory()
    helper = UserFactory(is_staff=True)
    helper.user_permissions.add(*Permission.objects.filter(codename__in=["add_sanction", "view_sanction"]))
    seller_moderator_appoint(seller=seller, moderator=helper)
    client.force_login(helper)

    everywhere = client.post(
        reverse("admin:moderation_sanction_add"),
        {"user": TrustedUserFactory().pk, "kind": "ban", "scope": "global", "reason": "x"},
    )

    assert "You don&#x27;t moderate where this sanction would hold." in everywhere.content.decode()
    assert not Sanction.objects.exists()


def test_lifting_in_the_admin_goes_through_the_service_and_skips_warnings(admin_client):
    staff = staff_moderator_appoint(user=UserFactory())
    user = TrustedUserFactory()
    mute = sanction_impose(actor=staff, user=user, kind="mute", reason="Spam")
    warning = sanction_impose(actor=staff, user=user, kind="warning", reason="Caps")

    response = admin_client.post(
        reverse("admin:moderation_sanction_changelist"),
        {"action": "lift", "_selected_action": [mute.pk, warning.pk]},
        follow=True,
    )

    assert "Lifted 1 sanctions." in response.content.decode()
    assert Sanction.objects.get(pk=mute.pk).revoked_at is not None
    assert Sanction.objects.get(pk=warning.pk).revoked_at is None
    assert ModerationAction.objects.filter(action=AuditAction.UNMUTE).get().actor.is_superuser


def test_an_existing_sanction_is_read_only_and_never_deleted(admin_client):
    sanction = sanction_impose(actor=None, user=TrustedUserFactory(), kind="ban", reason="Fraud")

    page = admin_client.get(reverse("admin:moderation_sanction_change", args=[sanction.pk]))
    deleted = admin_client.post(reverse("admin:moderation_sanction_delete", args=[sanction.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert b'name="reason"' not in page.content
    assert deleted.status_code == 403
    assert Sanction.objects.filter(pk=sanction.pk).exists()


def test_the_audit_log_is_read_only_filtered_and_searched_by_email(admin_client):
    user = TrustedUserFactory(email="loud@example.com")
    sanction_impose(actor=None, user=user, kind="warning", reason="Caps")
    sanction_impose(actor=None, user=TrustedUserFactory(), kind="ban", reason="Fraud")
    changelist = reverse("admin:moderation_moderationaction_changelist")
    entry = ModerationAction.objects.get(target_user=user)

    found = admin_client.get(changelist, {"q": "loud@example.com"})
    banned = admin_client.get(changelist, {"action__exact": "ban"})

    assert found.context["cl"].result_count == 1
    assert banned.context["cl"].result_count == 1
    assert admin_client.get(reverse("admin:moderation_moderationaction_add")).status_code == 403
    change = admin_client.post(reverse("admin:moderation_moderationaction_change", args=[entry.pk]), {"reason": "x"})
    assert change.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:moderation_moderationaction_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ModerationAction.objects.get(pk=entry.pk).reason == "Caps"


def test_an_appeal_is_decided_in_the_admin_with_a_note_or_in_bulk(admin_client, django_capture_on_commit_callbacks):
    seller, user = SellerFactory(), TrustedUserFactory()
    first = sanction_impose(actor=seller, user=user, kind="mute", reason="Spam", scope="seller", seller=seller)
    second = sanction_impose(actor=seller, user=user, kind="ban", reason="Rude", scope="seller", seller=seller)
    one, _ = appeal_create(user=user, sanction_id=first.pk, text="Please")
    two, _ = appeal_create(user=user, sanction_id=second.pk, text="Please too")

    with django_capture_on_commit_callbacks(execute=True):
        decided = admin_client.post(
            reverse("admin:moderation_appeal_change", args=[one.pk]), {"decision": "grant", "note": "Our mistake"}
        )
        bulk = admin_client.post(
            reverse("admin:moderation_appeal_changelist"), {"action": "deny", "_selected_action": [two.pk]}, follow=True
        )

    assert decided.status_code == 302
    one.refresh_from_db()
    assert (one.status, one.decision_note) == (AppealStatus.GRANTED, "Our mistake")
    assert Sanction.objects.get(pk=first.pk).revoked_at is not None
    assert "Denied 1 appeals." in bulk.content.decode()
    assert Appeal.objects.get(pk=two.pk).status == AppealStatus.DENIED
    assert sorted(ModerationAction.objects.filter(action__startswith="appeal").values_list("action", flat=True)) == [
        AuditAction.APPEAL_DENY,
        AuditAction.APPEAL_GRANT,
    ]
    # A decided appeal only opens to be read.
    page = admin_client.get(reverse("admin:moderation_appeal_change", args=[one.pk]))
    assert b'name="decision"' not in page.content
