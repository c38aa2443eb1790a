"""Who moderates where: staff moderators everywhere, a seller's moderators in that seller's shows only."""

import pytest

from moderation.models import AuditAction, ModerationAction, SellerModerator
from moderation.selectors import can_moderate, is_staff_moderator, moderated_seller_ids
from moderation.services.audit import moderation_permission_check
from moderation.services.moderators import (
    MODERATORS_GROUP,
    seller_moderator_appoint,
    seller_moderator_remove,
    staff_moderator_appoint,
)
from tokshop.core.errors import ApplicationError, NotFound, PermissionDenied
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory

pytestmark = pytest.mark.django_db


def test_a_staff_moderator_moderates_every_sellers_shows_and_tokshop_as_a_whole():
    moderator = staff_moderator_appoint(user=UserFactory())
    moderator.refresh_from_db()

    assert moderator.is_staff
    assert moderator.is_moderator
    assert moderator.groups.filter(name=MODERATORS_GROUP).exists()
    assert is_staff_moderator(moderator)
    assert can_moderate(actor=moderator, seller_id=SellerFactory().pk)
    assert can_moderate(actor=moderator, seller_id=None)


def test_the_moderators_group_can_work_the_queue_but_not_delete_the_audit_log():
    moderator = staff_moderator_appoint(user=UserFactory())
    moderator.refresh_from_db()

    assert moderator.has_perm("moderation.change_sanction")
    assert moderator.has_perm("moderation.view_moderationaction")
    assert not moderator.has_perm("moderation.delete_moderationaction")
    assert moderator.has_perm("commerce.view_product")
    assert not moderator.has_perm("commerce.change_product")


def test_a_seller_moderates_their_own_shows_and_no_one_elses():
    seller, other = SellerFactory(), SellerFactory()

    assert can_moderate(actor=seller, seller_id=seller.pk)
    assert not can_moderate(actor=seller, seller_id=other.pk)
    assert not can_moderate(actor=seller, seller_id=None)
    assert moderated_seller_ids(actor=seller) == [seller.pk]


def test_an_appointed_moderator_acts_in_that_sellers_shows_only(django_capture_on_commit_callbacks):
    seller, other, helper = SellerFactory(), SellerFactory(), UserFactory()

    first = seller_moderator_appoint(seller=seller, moderator=helper)
    again = seller_moderator_appoint(seller=seller, moderator=helper)

    assert first == again
    assert SellerModerator.objects.count() == 1
    assert can_moderate(actor=helper, seller_id=seller.pk)
    assert not can_moderate(actor=helper, seller_id=other.pk)
    assert moderated_seller_ids(actor=helper) == [seller.pk]
    with pytest.raises(PermissionDenied) as refused:
        moderation_permission_check(actor=helper, seller_id=other.pk)
    assert refused.value.code == "not_moderator"
    audit = ModerationAction.objects.get()
    assert (audit.actor, audit.action, audit.target_user, audit.seller_id) == (
        seller,
        AuditAction.MODERATOR_APPOINT,
        helper,
        seller.pk,
    )
    assert Notification.objects.filter(user=helper, kind=NotificationKind.MODERATION).count() == 1


def test_removing_a_moderator_ends_their_powers_and_is_audited():
    seller, helper = SellerFactory(), UserFactory()
    seller_moderator_appoint(seller=seller, moderator=helper)

    seller_moderator_remove(seller=seller, moderator_id=helper.pk)

    assert not can_moderate(actor=helper, seller_id=seller.pk)
    assert ModerationAction.objects.filter(action=AuditAction.MODERATOR_REMOVE, target_user=helper).exists()
    with pytest.raises(NotFound):
        seller_moderator_remove(seller=seller, moderator_id=helper.pk)


def test_a_seller_cannot_appoint_themselves_nor_an_inactive_account():
    seller = SellerFactory()

    with pytest.raises(ApplicationError) as refused:
        seller_moderator_appoint(seller=seller, moderator=seller)
    assert refused.value.code == "self_appointment"
    with pytest.raises(NotFound):
        seller_moderator_appoint(seller=seller, moderator=UserFactory(is_active=False))


def test_an_inactive_staff_moderator_moderates_nowhere():
    moderator = staff_moderator_appoint(user=UserFactory())
    moderator.is_active = False

    assert not can_moderate(actor=moderator, seller_id=None)


def test_a_moderator_of_one_show_acts_in_that_show_alone():
    seller, helper = SellerFactory(), UserFactory()

    entry = seller_moderator_appoint(seller=seller, moderator=helper, show_id=41)
    assert seller_moderator_appoint(seller=seller, moderator=helper, show_id=41) == entry
    seller_moderator_appoint(seller=seller, moderator=helper, show_id=42)

    assert can_moderate(actor=helper, seller_id=seller.pk, show_id=41)
    assert can_moderate(actor=helper, seller_id=seller.pk, show_id=42)
    assert not can_moderate(actor=helper, seller_id=seller.pk, show_id=43)
    assert not can_moderate(actor=helper, seller_id=seller.pk)
    assert moderated_seller_ids(actor=helper) == []
    with pytest.raises(PermissionDenied):
        moderation_permission_check(actor=helper, seller_id=seller.pk, show_id=43)
    moderation_permission_check(actor=helper, seller_id=seller.pk, show_id=41)
    assert ModerationAction.objects.filter(action=AuditAction.MODERATOR_APPOINT, show_id=41).count() == 1


def test_a_moderator_of_all_the_shows_is_one_of_each_show_too_and_removals_keep_apart():
    seller, helper = SellerFactory(), UserFactory()
    seller_moderator_appoint(seller=seller, moderator=helper)
    seller_moderator_appoint(seller=seller, moderator=helper, show_id=41)

    seller_moderator_remove(seller=seller, moderator_id=helper.pk, show_id=41)

    assert can_moderate(actor=helper, seller_id=seller.pk, show_id=41)
    assert list(SellerModerator.objects.values_list("show_id", flat=True)) == [None]
    with pytest.raises(NotFound):
        seller_moderator_remove(seller=seller, moderator_id=helper.pk, show_id=41)


def test_a_moderator_of_one_show_mutes_in_that_show_but_not_across_the_sellers_shows():
    from moderation.models import Sanction, SanctionScope
    from moderation.services.sanctions import sanction_impose

    seller, helper, troll = SellerFactory(), UserFactory(), UserFactory()
    seller_moderator_appoint(seller=seller, moderator=helper, show_id=41)

    muted = sanction_impose(
        actor=helper, user=troll, kind="mute", reason="Spam", scope=SanctionScope.SHOW, seller=seller, show_id=41
    )
    for scope, show_id in [(SanctionScope.SHOW, 42), (SanctionScope.SELLER, None)]:
        with pytest.raises(PermissionDenied):
            sanction_impose(
                actor=helper, user=troll, kind="ban", reason="x", scope=scope, seller=seller, show_id=show_id
            )

    assert list(Sanction.objects.values_list("pk", flat=True)) == [muted.pk]
