"""Moderators impose and lift sanctions where they moderate; each action is audited and told."""

from datetime import timedelta

import pytest

from moderation.models import AuditAction, ModerationAction, Sanction, SanctionKind, SanctionScope
from moderation.services.check import Action, check_message
from moderation.services.moderators import seller_moderator_appoint, staff_moderator_appoint
from moderation.services.sanctions import sanction_impose, sanction_lift
from tokshop.core.errors import ApplicationError, PermissionDenied
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db


def test_a_staff_moderator_mutes_a_user_who_is_told_why_and_until_when(django_capture_on_commit_callbacks):
    moderator, viewer = staff_moderator_appoint(user=UserFactory()), TrustedUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        mute = sanction_impose(
            actor=moderator, user=viewer, kind=SanctionKind.MUTE, reason="Spamming links", duration=timedelta(hours=1)
        )

    verdict = check_message(sender=viewer, text="hello")
    assert verdict.action == Action.REJECT
    assert verdict.code == "muted"
    audit = ModerationAction.objects.get()
    assert (audit.actor, audit.action, audit.target_user, audit.details) == (
        moderator,
        AuditAction.MUTE,
        viewer,
        {"sanction": mute.pk},
    )
    notice = Notification.objects.get(user=viewer, kind=NotificationKind.MODERATION)
    assert notice.title == "You were muted on Tokshop"
    assert "Spamming links" in notice.body
    assert "until" in notice.body


def test_a_sellers_moderator_bans_in_that_sellers_shows_but_not_elsewhere():
    seller, other, helper, viewer = SellerFactory(), SellerFactory(), UserFactory(), TrustedUserFactory()
    seller_moderator_appoint(seller=seller, moderator=helper)

    sanction_impose(
        actor=helper, user=viewer, kind=SanctionKind.BAN, reason="Abuse", scope=SanctionScope.SELLER, seller=seller
    )

    with pytest.raises(PermissionDenied):
        sanction_impose(
            actor=helper, user=viewer, kind=SanctionKind.BAN, reason="Abuse", scope=SanctionScope.SELLER, seller=other
        )
    with pytest.raises(PermissionDenied):
        sanction_impose(actor=helper, user=viewer, kind=SanctionKind.BAN, reason="Abuse")
    assert Sanction.objects.count() == 1


def test_lifting_a_mute_lets_the_user_post_again_and_is_audited_once(django_capture_on_commit_callbacks):
    seller, viewer = SellerFactory(), TrustedUserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        mute = sanction_impose(
            actor=seller,
            user=viewer,
            kind=SanctionKind.MUTE,
            reason="Shouting",
            scope=SanctionScope.SELLER,
            seller=seller,
        )
    with django_capture_on_commit_callbacks(execute=True):
        sanction_lift(actor=seller, sanction_id=mute.pk, reason="Calmed down")
        sanction_lift(actor=seller, sanction_id=mute.pk)

    assert check_message(sender=viewer, text="hello", seller_id=seller.pk).action == Action.ALLOW
    assert list(ModerationAction.objects.values_list("action", flat=True)) == [AuditAction.UNMUTE, AuditAction.MUTE]


def test_refusals_self_sanctions_warnings_with_a_duration_and_lifting_a_warning():
    seller, viewer = SellerFactory(), TrustedUserFactory()

    with pytest.raises(ApplicationError) as refused:
        sanction_impose(actor=seller, user=seller, kind=SanctionKind.MUTE, reason="x", scope="seller", seller=seller)
    assert refused.value.code == "self_sanction"
    with pytest.raises(ApplicationError):
        sanction_impose(
            actor=seller, user=viewer, kind="warning", reason="x", scope="seller", seller=seller, duration=timedelta(1)
        )
    with pytest.raises(ApplicationError) as empty:
        sanction_impose(actor=seller, user=viewer, kind="mute", reason="  ", scope="seller", seller=seller)
    assert "reason" in empty.value.fields
    warning = sanction_impose(actor=seller, user=viewer, kind="warning", reason="Caps", scope="seller", seller=seller)
    with pytest.raises(ApplicationError) as not_liftable:
        sanction_lift(actor=seller, sanction_id=warning.pk)
    assert not_liftable.value.code == "not_liftable"
