"""Moderators keep the word lists, patterns, domains and sanctions in the Django admin."""

import pytest
from django.urls import reverse

from moderation.models import ModerationPattern, Sanction
from moderation.rules import rules_forget
from moderation.services.check import check_message
from tokshop.users.tests.factories import UserFactory

from .factories import TrustedUserFactory

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


@pytest.mark.parametrize("model", ["moderationword", "moderationpattern", "linkdomain", "slowmode", "sanction"])
def test_every_moderation_list_opens(admin_client, model):
    assert admin_client.get(reverse(f"admin:moderation_{model}_changelist")).status_code == 200
