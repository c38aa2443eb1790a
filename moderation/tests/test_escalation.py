"""Warnings escalate: three within 24 hours mute automatically, for longer each time; abusive
messages warn by themselves; the expiry sweep tells the person and lets them post again."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from moderation.models import AuditAction, ModerationAction, Sanction, SanctionKind, SanctionScope
from moderation.rules import rules_forget
from moderation.services.check import Action, _sanctions_key, check_message
from moderation.services.rules import mute_word_add, pattern_add
from moderation.services.sanctions import (
    AUTOMATIC_MUTE_DURATIONS,
    abuse_warning_record,
    abuse_warnings_record,
    sanction_impose,
    sanctions_expire,
)
from tokshop.notifications.models import Notification, NotificationKind

from .factories import SellerFactory, TrustedUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    return TrustedUserFactory()


def warn(user, seller=None, actor=None, show_id=None):
    scope = SanctionScope.GLOBAL if seller is None else (SanctionScope.SHOW if show_id else SanctionScope.SELLER)
    return sanction_impose(
        actor=actor if actor is not None else seller,
        user=user,
        kind=SanctionKind.WARNING,
        reason="Rude",
        scope=scope,
        seller=seller,
        show_id=show_id,
    )


def automatic_mutes(user):
    return Sanction.objects.filter(user=user, kind=SanctionKind.MUTE, is_automatic=True).order_by("created_at")


def test_a_third_warning_in_a_sellers_shows_mutes_there_for_ten_minutes_by_tokshop(viewer):
    seller = SellerFactory()
    first, second = warn(viewer, seller), warn(viewer, seller, show_id=7)
    assert not automatic_mutes(viewer).exists()

    third = warn(viewer, seller)

    [mute] = automatic_mutes(viewer)
    assert (mute.scope, mute.seller, mute.created_by) == (SanctionScope.SELLER, seller, None)
    assert mute.expires_at - mute.created_at == pytest.approx(AUTOMATIC_MUTE_DURATIONS[0], abs=timedelta(seconds=2))
    audit = ModerationAction.objects.get(action=AuditAction.MUTE, target_user=viewer)
    assert audit.actor is None
    assert audit.details == {"sanction": mute.pk, "warnings": [first.pk, second.pk, third.pk]}
    notice = Notification.objects.filter(user=viewer, kind=NotificationKind.MODERATION).order_by("-id").first()
    assert notice.title == f"You were muted in {seller.display_name}'s shows"
    assert "3 warnings within 24 hours" in notice.body
    verdict = check_message(sender=viewer, text="hello", seller_id=seller.pk, show_id=3)
    assert (verdict.action, verdict.code) == (Action.REJECT, "muted")
    assert check_message(sender=viewer, text="hello elsewhere", seller_id=SellerFactory().pk).action == Action.ALLOW


def test_warnings_in_different_sellers_shows_do_not_add_up_but_global_ones_count_everywhere(viewer):
    first, second = SellerFactory(), SellerFactory()
    warn(viewer, first)
    warn(viewer, second)
    warn(viewer, first)
    assert not automatic_mutes(viewer).exists()

    staff = SellerFactory(is_staff=True, is_superuser=True)
    warn(viewer, None, actor=staff)

    # The global warning is the third in each seller's shows: muted in both, not everywhere.
    assert sorted(automatic_mutes(viewer).values_list("scope", "seller_id")) == sorted(
        [(SanctionScope.SELLER, first.pk)]
    )
    warn(viewer, None, actor=staff)
    assert sorted(automatic_mutes(viewer).values_list("scope", "seller_id")) == sorted(
        [(SanctionScope.SELLER, first.pk), (SanctionScope.SELLER, second.pk)]
    )
    warn(viewer, None, actor=staff)
    assert automatic_mutes(viewer).filter(scope=SanctionScope.GLOBAL).count() == 1


def test_old_withdrawn_and_already_punished_warnings_do_not_count(viewer):
    seller = SellerFactory()
    old = warn(viewer, seller)
    Sanction.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    withdrawn = warn(viewer, seller)
    Sanction.objects.filter(pk=withdrawn.pk).update(revoked_at=timezone.now())
    warn(viewer, seller)
    warn(viewer, seller)
    assert not automatic_mutes(viewer).exists()

    warn(viewer, seller)
    assert automatic_mutes(viewer).count() == 1
    # The three that muted are dealt with: the next two add nothing, a third after them mutes again.
    warn(viewer, seller)
    warn(viewer, seller)
    assert automatic_mutes(viewer).count() == 1
    warn(viewer, seller)
    assert automatic_mutes(viewer).count() == 2


def test_each_automatic_mute_in_thirty_days_lasts_longer(viewer):
    seller = SellerFactory()
    for _ in range(3 * (len(AUTOMATIC_MUTE_DURATIONS) + 1)):
        warn(viewer, seller)
    lengths = [mute.expires_at - mute.created_at for mute in automatic_mutes(viewer)]
    expected = [*AUTOMATIC_MUTE_DURATIONS, AUTOMATIC_MUTE_DURATIONS[-1]]
    assert [round(length.total_seconds() / 60) for length in lengths] == [
        round(d.total_seconds() / 60) for d in expected
    ]

    # A month later the history is forgotten: back to ten minutes.
    automatic_mutes(viewer).update(created_at=timezone.now() - timedelta(days=31))
    for _ in range(3):
        warn(viewer, seller)
    latest = automatic_mutes(viewer).last()
    assert round((latest.expires_at - latest.created_at).total_seconds() / 60) == 10


def test_an_abusive_message_warns_the_sender_in_the_sellers_shows(viewer, django_capture_on_commit_callbacks):
    rules_forget()
    seller = SellerFactory()
    mute_word_add(seller=seller, word="knockoff")
    pattern_add(seller=seller, pattern=r"\bswap\s+only\b", action="reject")
    pattern_add(seller=seller, pattern=r"\bdm\s+me\b", action="hold")
    rules_forget()
    texts = ["this is a knockoff", "what the fuck", "swap only please"]
    verdicts = []
    for number, text in enumerate(texts):
        with django_capture_on_commit_callbacks(execute=True):
            verdicts.append(
                check_message(
                    sender=viewer,
                    text=text,
                    seller_id=seller.pk,
                    show_id=4,
                    now=timezone.now() + timedelta(minutes=number),
                )
            )

    assert [v.code for v in verdicts] == ["muted_word", "profanity", "pattern"]
    warnings = Sanction.objects.filter(user=viewer, kind=SanctionKind.WARNING, is_automatic=False, created_by=None)
    assert warnings.count() == 3
    assert set(warnings.values_list("scope", "seller_id")) == {(SanctionScope.SELLER, seller.pk)}
    assert automatic_mutes(viewer).count() == 1
    assert ModerationAction.objects.filter(target_user=viewer, actor=None).count() == 4


def test_holds_spam_limits_and_messages_outside_a_show_warn_as_they_should(viewer, django_capture_on_commit_callbacks):
    rules_forget()
    with django_capture_on_commit_callbacks(execute=True):
        held = check_message(sender=viewer, text="call me on 555 123 4567")
        shouted = check_message(
            sender=viewer,
            text="THIS LAMP IS REALLY GREAT, I LOVE IT SO MUCH",
            now=timezone.now() + timedelta(minutes=1),
        )
        abusive = check_message(sender=viewer, text="you shit", now=timezone.now() + timedelta(minutes=2))

    assert (held.action, shouted.action, abusive.code) == (Action.HOLD, Action.REPLACE, "profanity")
    [warning] = Sanction.objects.filter(user=viewer)
    assert (warning.kind, warning.scope) == (SanctionKind.WARNING, SanctionScope.GLOBAL)


def test_an_abuse_warning_for_someone_gone_or_a_code_that_is_no_abuse_is_not_recorded(viewer):
    assert abuse_warning_record(user_id=viewer.pk, code="rate_limited", seller_id=None, show_id=None) is None
    assert abuse_warning_record(user_id=viewer.pk, code="profanity", seller_id=10**12, show_id=None) is None
    assert abuse_warning_record(user_id=10**12, code="profanity", seller_id=None, show_id=None) is None
    assert not Sanction.objects.exists()


def test_the_sweep_tells_the_person_once_that_a_mute_ended_and_forgets_their_cached_sanctions(
    viewer, django_capture_on_commit_callbacks
):
    seller = SellerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        mute = sanction_impose(
            actor=seller,
            user=viewer,
            kind=SanctionKind.MUTE,
            reason="Spam",
            scope=SanctionScope.SELLER,
            seller=seller,
            duration=timedelta(minutes=5),
        )
        sanction_impose(
            actor=seller, user=viewer, kind=SanctionKind.BAN, reason="Abuse", scope="show", seller=seller, show_id=9
        )
    assert check_message(sender=viewer, text="hi", seller_id=seller.pk).code == "muted"
    assert cache.get(_sanctions_key(viewer.pk)) is not None
    later = timezone.now() + timedelta(minutes=6)

    with django_capture_on_commit_callbacks(execute=True):
        assert sanctions_expire(now=later) == 1
        assert sanctions_expire(now=later) == 0

    mute.refresh_from_db()
    assert mute.expiry_notified_at == later
    assert cache.get(_sanctions_key(viewer.pk)) is None
    [ended] = Notification.objects.filter(user=viewer, title__contains="has ended")
    assert ended.title == f"Your mute in {seller.display_name}'s shows has ended"
    assert check_message(sender=viewer, text="hi", seller_id=seller.pk, show_id=8, now=later).action == Action.ALLOW
    # The ban in show 9 has no expiry: the sweep leaves it alone.
    assert check_message(sender=viewer, text="hello", seller_id=seller.pk, show_id=9, now=later).code == "banned"


def test_queued_abuse_waits_for_a_worker_and_one_task_records_a_burst(
    viewer, settings, django_capture_on_commit_callbacks
):
    # As in production: the check only queues; the worker records later.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    rules_forget()
    seller = SellerFactory()
    sent = []
    with django_capture_on_commit_callbacks() as scheduled:
        for minute in range(2):
            verdict = check_message(
                sender=viewer, text="fuck this", seller_id=seller.pk, now=timezone.now() + timedelta(minutes=minute)
            )
            sent.append(verdict.code)

    assert sent == ["profanity", "profanity"]
    assert len(scheduled) == 1  # The first push found the queue empty; the second joined it.
    assert not Sanction.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert abuse_warnings_record() == 2
        assert abuse_warnings_record() == 0

    assert Sanction.objects.filter(user=viewer, kind=SanctionKind.WARNING, seller=seller).count() == 2


def test_without_redis_the_abuse_warning_is_recorded_at_once(viewer, settings, django_capture_on_commit_callbacks):
    settings.EMBEDDED = True
    rules_forget()
    with django_capture_on_commit_callbacks(execute=True):
        verdict = check_message(sender=viewer, text="you shit")

    assert verdict.code == "profanity"
    assert Sanction.objects.filter(user=viewer, kind=SanctionKind.WARNING, scope=SanctionScope.GLOBAL).count() == 1
