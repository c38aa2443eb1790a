"""Appeals: one per sanction, decided once by a moderator of the shows where it holds, both recorded."""

from datetime import timedelta

import pytest
from django.db import IntegrityError

from moderation.models import Appeal, AppealStatus, AuditAction, ModerationAction, Sanction, SanctionKind
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.check import Action, check_message
from moderation.services.moderators import seller_moderator_appoint, staff_moderator_appoint
from moderation.services.sanctions import sanction_impose
from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def viewer():
    return TrustedUserFactory()


def mute_in(seller, user, **kwargs):
    return sanction_impose(
        actor=seller, user=user, kind=SanctionKind.MUTE, reason="Spam", scope="seller", seller=seller, **kwargs
    )


def test_appealing_the_same_sanction_twice_returns_the_first_appeal(seller, viewer):
    mute = mute_in(seller, viewer)

    first, created = appeal_create(user=viewer, sanction_id=mute.pk, text="  It was a joke  ")
    again, created_again = appeal_create(user=viewer, sanction_id=mute.pk, text="Please")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert (again.text, again.status, again.user) == ("It was a joke", AppealStatus.PENDING, viewer)
    with pytest.raises(IntegrityError):
        Appeal.objects.create(sanction=mute, user=viewer, text="A second row")


def test_someone_elses_sanction_or_none_is_not_found_and_nothing_is_stored(seller, viewer):
    mute = mute_in(seller, viewer)

    for sanction_id in (mute.pk, 10**12):
        with pytest.raises(NotFound):
            appeal_create(user=TrustedUserFactory(), sanction_id=sanction_id, text="Mine?")
    assert not Appeal.objects.exists()


def test_an_empty_appeal_or_one_of_an_ended_sanction_is_refused_with_why(seller, viewer):
    mute = mute_in(seller, viewer, duration=timedelta(minutes=5))
    Sanction.objects.filter(pk=mute.pk).update(expires_at=mute.created_at)

    with pytest.raises(ApplicationError) as empty:
        appeal_create(user=viewer, sanction_id=mute.pk, text="   ")
    with pytest.raises(ApplicationError) as ended:
        appeal_create(user=viewer, sanction_id=mute.pk, text="Too late?")

    assert empty.value.fields == {"text": ["Say why you think this is wrong."]}
    assert ended.value.code == "sanction_ended"
    assert not Appeal.objects.exists()


def test_granting_lifts_the_mute_audits_once_and_tells_the_person(seller, viewer, django_capture_on_commit_callbacks):
    helper = UserFactory()
    seller_moderator_appoint(seller=seller, moderator=helper)
    with django_capture_on_commit_callbacks(execute=True):
        mute = mute_in(seller, viewer)
    appeal, _ = appeal_create(user=viewer, sanction_id=mute.pk, text="Wrong person")
    assert check_message(sender=viewer, text="hi", seller_id=seller.pk).code == "muted"
    audits_before = ModerationAction.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        decided = appeal_decide(actor=helper, appeal_id=appeal.pk, grant=True, note="Sorry, our mistake")

    assert (decided.status, decided.decided_by, decided.decision_note) == (
        AppealStatus.GRANTED,
        helper,
        "Sorry, our mistake",
    )
    assert Sanction.objects.get(pk=mute.pk).revoked_at is not None
    assert check_message(sender=viewer, text="hi again", seller_id=seller.pk).action == Action.ALLOW
    [audit] = ModerationAction.objects.all()[: ModerationAction.objects.count() - audits_before]
    assert (audit.action, audit.actor, audit.target_user, audit.details) == (
        AuditAction.APPEAL_GRANT,
        helper,
        viewer,
        {"appeal": appeal.pk, "sanction": mute.pk},
    )
    notice = Notification.objects.filter(user=viewer).order_by("-id").first()
    assert notice.title == "Your appeal was granted"
    assert (
        notice.body == f"Your mute in {seller.display_name}'s shows is lifted. A moderator's note: Sorry, our mistake"
    )
    assert helper.display_name not in notice.body


def test_granting_withdraws_a_warning_so_it_no_longer_counts(seller, viewer):
    first = sanction_impose(actor=seller, user=viewer, kind="warning", reason="Rude", scope="seller", seller=seller)
    sanction_impose(actor=seller, user=viewer, kind="warning", reason="Rude", scope="seller", seller=seller)
    appeal, _ = appeal_create(user=viewer, sanction_id=first.pk, text="Not me")
    appeal_decide(actor=seller, appeal_id=appeal.pk, grant=True)

    sanction_impose(actor=seller, user=viewer, kind="warning", reason="Rude", scope="seller", seller=seller)

    assert Sanction.objects.get(pk=first.pk).revoked_at is not None
    assert not Sanction.objects.filter(user=viewer, kind=SanctionKind.MUTE).exists()


def test_denying_keeps_the_sanction_and_an_appeal_is_decided_once(seller, viewer):
    mute = mute_in(seller, viewer)
    appeal, _ = appeal_create(user=viewer, sanction_id=mute.pk, text="Unfair")

    appeal_decide(actor=seller, appeal_id=appeal.pk, grant=False, note="Three links in a minute")
    with pytest.raises(Conflict) as twice:
        appeal_decide(actor=seller, appeal_id=appeal.pk, grant=True)

    assert twice.value.code == "already_decided"
    assert Appeal.objects.get().status == AppealStatus.DENIED
    assert Sanction.objects.get(pk=mute.pk).revoked_at is None
    assert ModerationAction.objects.filter(action__in=[AuditAction.APPEAL_GRANT, AuditAction.APPEAL_DENY]).count() == 1
    assert Notification.objects.filter(user=viewer).order_by("-id").first().title == "Your appeal was denied"


def test_only_moderators_where_the_sanction_holds_decide_and_never_their_own(seller, viewer):
    other_seller, outsider = SellerFactory(), UserFactory()
    mute = mute_in(seller, viewer)
    appeal, _ = appeal_create(user=viewer, sanction_id=mute.pk, text="Unfair")
    staff = staff_moderator_appoint(user=UserFactory())
    global_ban = sanction_impose(actor=staff, user=seller, kind="ban", reason="Fraud")
    own, _ = appeal_create(user=seller, sanction_id=global_ban.pk, text="Mine")

    for actor in (other_seller, outsider, viewer):
        with pytest.raises(PermissionDenied):
            appeal_decide(actor=actor, appeal_id=appeal.pk, grant=True)
    # A seller moderates their own shows, not Tokshop as a whole: their own global ban is staff's to decide.
    with pytest.raises(PermissionDenied):
        appeal_decide(actor=seller, appeal_id=own.pk, grant=True)
    with pytest.raises(NotFound):
        appeal_decide(actor=staff, appeal_id=10**12, grant=True)

    assert set(Appeal.objects.values_list("status", flat=True)) == {AppealStatus.PENDING}
    appeal_decide(actor=staff, appeal_id=appeal.pk, grant=False)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.DENIED
