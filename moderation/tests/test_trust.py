"""The trust score: its factors, its levels, where moderators see it and how the message check uses it."""

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from commerce.models import OrderStatus
from commerce.services.webhooks import order_dispute_record
from commerce.tests.factories import ProductFactory, order_placed
from moderation.models import AuditAction, Sanction, SanctionKind
from moderation.rules import rules_forget
from moderation.selectors_trust import TrustLevel, trust_inputs, trust_score, trust_score_from
from moderation.services.audit import audit_record
from moderation.services.check import Action, check_message
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.sanctions import sanction_create
from moderation.services.verification import verification_approve
from tokshop.users.models import User
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .test_verification import submitted

pytestmark = pytest.mark.django_db

disputes = count(1)


@pytest.fixture(autouse=True)
def _fresh_rules():
    rules_forget()


def member(days: int, **fields):
    return UserFactory(date_joined=timezone.now() - timedelta(days=days), **fields)


def points(score, name):
    return next(factor.points for factor in score.factors if factor.name == name)


def chargeback(order, status="needs_response"):
    order_dispute_record(order_id=order.pk, dispute={"id": f"dp_{next(disputes)}", "amount": 100, "status": status})


def test_a_new_account_is_low_and_an_established_one_normal():
    newcomer = trust_score(user=member(1))
    regular = trust_score(user=member(60))

    assert (newcomer.score, newcomer.level) == (30, TrustLevel.LOW)
    assert points(newcomer, "account_age") == -25
    assert (regular.score, regular.level) == (60, TrustLevel.NORMAL)
    assert [f.name for f in regular.factors] == [
        "account_age",
        "email",
        "seller_verified",
        "orders_bought",
        "orders_sold",
        "disputes_filed",
        "disputes_received",
        "reports_upheld",
        "sanctions",
    ]


def test_an_unconfirmed_address_costs_points():
    score = trust_score(user=member(60, email_verified_at=None))

    assert (points(score, "email"), score.score) == (-10, 45)


def test_delivered_orders_and_verification_make_a_member_high():
    seller = SellerProfileFactory(user__date_joined=timezone.now() - timedelta(days=400))
    buyer = member(400)
    for _ in range(3):
        order_placed(buyer, [ProductFactory(seller=seller.user)])
    order_placed(buyer, [ProductFactory(seller=seller.user)], until=OrderStatus.SHIPPED)
    verification_approve(actor=staff_moderator_appoint(user=UserFactory()), request_id=submitted(seller).pk)

    as_buyer = trust_score(user=buyer)
    as_seller = trust_score(user=seller.user)

    # Only delivered orders count: the shipped one is not yet a completed deal.
    assert (points(as_buyer, "orders_bought"), as_buyer.score, as_buyer.level) == (6, 71, TrustLevel.NORMAL)
    assert (points(as_seller, "orders_sold"), points(as_seller, "seller_verified")) == (3, 10)
    assert (as_seller.score, as_seller.level) == (78, TrustLevel.HIGH)


def test_chargebacks_weigh_on_the_buyer_who_filed_and_the_seller_who_received_them():
    buyer, seller = member(400), member(400, is_seller=True)
    orders = [order_placed(buyer, [ProductFactory(seller=seller)]) for _ in range(3)]
    chargeback(orders[0])
    chargeback(orders[1])
    # A dispute the seller won was a fair charge: it counts against no one.
    chargeback(orders[2], status="won")

    as_buyer, as_seller = trust_score(user=buyer), trust_score(user=seller)

    assert points(as_buyer, "disputes_filed") == -30
    assert points(as_seller, "disputes_received") == -20
    assert as_buyer.level == TrustLevel.LOW


def test_upheld_reports_count_from_the_audit_log():
    user = member(60)
    for _ in range(4):
        audit_record(actor=None, action=AuditAction.REPORT_UPHOLD, target_user=user, reason="Spam")
    audit_record(actor=None, action=AuditAction.REPORT_DISMISS, target_user=user)

    score = trust_score(user=user)

    # Capped: four upheld reports weigh what three do.
    assert (points(score, "reports_upheld"), score.level) == (-30, TrustLevel.LOW)


def test_recent_sanctions_count_and_old_ones_only_while_in_force():
    user = member(400)
    warning = sanction_create(user=user, kind=SanctionKind.WARNING, reason="Tone", created_by=None)
    long_mute = sanction_create(user=user, kind=SanctionKind.MUTE, reason="Spam", created_by=None)
    ended_ban = sanction_create(
        user=user, kind=SanctionKind.BAN, reason="Fraud", created_by=None, expires_at=timezone.now() - timedelta(days=1)
    )
    long_ago = timezone.now() - timedelta(days=200)
    Sanction.objects.filter(pk__in=[warning.pk, long_mute.pk, ended_ban.pk]).update(created_at=long_ago)

    score = trust_score(user=user)

    # The old warning and the ended ban no longer count; the old mute still in force does.
    assert points(score, "sanctions") == -30
    assert "0 warnings, 1 mute, 0 bans" in next(f.detail for f in score.factors if f.name == "sanctions")


def test_scores_stay_between_0_and_100():
    user = member(1, email_verified_at=None)
    for kind in (SanctionKind.BAN, SanctionKind.BAN):
        sanction_create(user=user, kind=kind, reason="Fraud", created_by=None)
    for _ in range(3):
        audit_record(actor=None, action=AuditAction.REPORT_UPHOLD, target_user=user)

    assert trust_score(user=user).score == 0


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_compiled_one_member_query_agrees_with_the_listing(monkeypatch, vendor):
    # "sqlite": the embedded default's path, which builds the query each time, run here on PostgreSQL.
    monkeypatch.setattr(connection, "vendor", vendor)
    buyer, seller = member(400), member(400, is_seller=True)
    orders = [order_placed(buyer, [ProductFactory(seller=seller)]) for _ in range(2)]
    chargeback(orders[0])
    sanction_create(user=buyer, kind=SanctionKind.WARNING, reason="Tone", created_by=None)
    audit_record(actor=None, action=AuditAction.REPORT_UPHOLD, target_user=seller)
    now, later = timezone.now(), timezone.now() + timedelta(days=100)

    scores = {}
    for user in (buyer, seller):
        # A hundred days on, the warning has left the recent window: both paths must see it go.
        for at in (now, later):
            listed = User.objects.annotate(**trust_inputs(now=at)).get(pk=user.pk)
            scores[user.pk, at] = trust_score(user=user, now=at)
            assert scores[user.pk, at] == trust_score_from(user=listed, inputs=listed, now=at)

    assert points(scores[buyer.pk, now], "sanctions") == -20
    assert points(scores[buyer.pk, later], "sanctions") == 0
    assert points(scores[seller.pk, now], "reports_upheld") == -10


def test_one_member_is_scored_in_one_query(django_assert_num_queries):
    user = member(60)

    with django_assert_num_queries(1):
        trust_score(user=user)


# --- The message check ----------------------------------------------------------------------------


def test_a_low_trust_sender_is_held_where_others_are_let_through_changed():
    buyer, seller = member(400), member(400, is_seller=True)
    for order in [order_placed(buyer, [ProductFactory(seller=seller)]) for _ in range(2)]:
        chargeback(order)

    held = check_message(sender=buyer, text="see https://elsewhere.example.com/deal")
    changed = check_message(sender=seller, text="see https://elsewhere.example.com/deal")

    assert (held.action, held.code) == (Action.HOLD, "link")
    assert (changed.action, changed.code) == (Action.REPLACE, "link")


def test_a_long_clean_record_outweighs_one_warning(django_capture_on_commit_callbacks):
    veteran = member(400)
    for _ in range(5):
        order_placed(veteran, [ProductFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        sanction_create(user=veteran, kind=SanctionKind.WARNING, reason="Tone", created_by=None)

    verdict = check_message(sender=veteran, text="see https://elsewhere.example.com/deal")

    assert trust_score(user=veteran).level == TrustLevel.NORMAL
    assert verdict.action == Action.REPLACE


def test_a_verification_decision_reaches_the_check_at_once(django_capture_on_commit_callbacks):
    shop = SellerProfileFactory(user__date_joined=timezone.now() - timedelta(days=60))
    with django_capture_on_commit_callbacks(execute=True):
        sanction_create(user=shop.user, kind=SanctionKind.WARNING, reason="Tone", created_by=None)
    request = submitted(shop)
    before = check_message(sender=shop.user, text="see https://elsewhere.example.com/a")

    with django_capture_on_commit_callbacks(execute=True):
        verification_approve(actor=staff_moderator_appoint(user=UserFactory()), request_id=request.pk)
    after = check_message(sender=shop.user, text="see https://elsewhere.example.com/b")

    assert before.action == Action.HOLD
    assert after.action == Action.REPLACE


def test_the_check_reads_the_standing_once_then_from_the_cache(django_assert_num_queries):
    sender = member(60)
    check_message(sender=sender, text="first")

    with django_assert_num_queries(0):
        verdicts = [check_message(sender=sender, text=f"message {n}").code for n in range(3)]

    assert verdicts == ["ok"] * 3


# --- The admin ------------------------------------------------------------------------------------


@pytest.fixture
def moderator_client(client):
    client.force_login(staff_moderator_appoint(user=UserFactory()))
    return client


def test_moderators_see_every_members_standing(moderator_client, django_assert_max_num_queries):
    newcomer = member(1, display_name="Newcomer Nia")
    sanction_create(user=newcomer, kind=SanctionKind.MUTE, reason="Spam", created_by=None)
    for days in range(30, 60):
        member(days)

    with django_assert_max_num_queries(12):
        listing = moderator_client.get(reverse("admin:moderation_memberstanding_changelist"))
    detail = moderator_client.get(reverse("admin:moderation_memberstanding_change", args=[newcomer.pk]))

    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Newcomer Nia" in text
    assert "<strong>0</strong> · low" in text
    assert "0 warnings, 1 mute, 0 bans" in text
    assert "Recent sanctions -30" in text
    assert f"?user__id__exact={newcomer.pk}" in text
    assert detail.status_code == 200
    assert "1 day old" in detail.content.decode()
    assert "Orders received as a buyer" in detail.content.decode()
    # Read-only: nothing to save, add or delete.
    assert b'name="_save"' not in detail.content
    assert moderator_client.get(reverse("admin:moderation_memberstanding_add")).status_code == 403


def test_the_sanctions_list_shows_each_persons_trust(moderator_client):
    sanction_create(user=member(400), kind=SanctionKind.WARNING, reason="Tone", created_by=None)

    response = moderator_client.get(reverse("admin:moderation_sanction_changelist"))

    assert response.status_code == 200
    assert "<strong>45</strong> · normal" in response.content.decode()
