"""Every member's trust score: 0 to 100 from their record on Tokshop, a level, and the factors behind it.

The score starts at a neutral 50; each factor adds or takes points, each capped so no one habit
decides alone. The inputs are counted in SQL as subqueries, so one query scores one member, a page
of members in the admin, or the people a page of sanctions names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commerce.models import Order, OrderDispute, OrderStatus
from tokshop.users.models import SellerProfile, User, VerificationStatus

from .models import AuditAction, ModerationAction, Sanction, SanctionKind, sanction_in_force

NEUTRAL = 50
# Below LOW the message check holds what it would otherwise change and let through, and allows no
# repeated message; at HIGH and above a member has a long, clean record.
LOW_BELOW = 45
HIGH_FROM = 75
# An account this new cannot have a record yet: spam and throwaway accounts are nearly all this young.
NEW_ACCOUNT_AGE = timedelta(days=3)
# Sanctions this recent weigh on the score; a mute or ban still in force weighs however old it is.
RECENT_SANCTION_AGE = timedelta(days=90)
# Stripe reports a dispute the seller won as "won": the buyer's bank found the charge fair.
DISPUTE_WON = "won"


class TrustLevel(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True)
class TrustFactor:
    name: str
    label: str
    points: int
    detail: str


@dataclass(frozen=True)
class TrustScore:
    score: int
    level: TrustLevel
    factors: tuple[TrustFactor, ...]

    @property
    def is_low(self) -> bool:
        return self.level == TrustLevel.LOW


def _count(rows: QuerySet[Any], group: str) -> Coalesce:
    """The number of `rows` for the outer row, as a scalar subquery (0 when there are none)."""
    counted = rows.order_by().values(group).annotate(n=Count("*")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def trust_inputs(*, user_ref: str = "pk", now: datetime | None = None) -> dict[str, Any]:
    """Annotations counting a member's record, for any queryset whose `user_ref` names the member
    (`pk` on users, `user_id` on sanctions); read back by `trust_score_from`."""
    now = now or timezone.now()
    user = OuterRef(user_ref)
    delivered = Order.objects.filter(status=OrderStatus.DELIVERED)
    disputes = OrderDispute.objects.exclude(status=DISPUTE_WON)
    recent = Sanction.objects.filter(user=user).filter(
        Q(created_at__gte=now - RECENT_SANCTION_AGE) | (~Q(kind=SanctionKind.WARNING) & sanction_in_force(now))
    )
    return {
        "trust_bought": _count(delivered.filter(buyer=user), "buyer"),
        "trust_sold": _count(delivered.filter(seller=user), "seller"),
        "trust_disputes_filed": _count(disputes.filter(order__buyer=user), "order__buyer"),
        "trust_disputes_received": _count(disputes.filter(order__seller=user), "order__seller"),
        "trust_reports_upheld": _count(
            ModerationAction.objects.filter(target_user=user, action=AuditAction.REPORT_UPHOLD), "target_user"
        ),
        "trust_warnings": _count(recent.filter(kind=SanctionKind.WARNING), "user"),
        "trust_mutes": _count(recent.filter(kind=SanctionKind.MUTE), "user"),
        "trust_bans": _count(recent.filter(kind=SanctionKind.BAN), "user"),
        "trust_seller_verified": Exists(
            SellerProfile.objects.filter(user=user, verification_status=VerificationStatus.VERIFIED)
        ),
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _age_factor(age: timedelta) -> TrustFactor:
    days = age.days
    if age < NEW_ACCOUNT_AGE:
        points = -25
    elif days < 30:
        points = -5
    elif days < 365:
        points = 5
    else:
        points = 10
    return TrustFactor("account_age", "Account age", points, f"{_plural(days, 'day')} old")


def trust_score_from(*, user: User, inputs: Any, now: datetime | None = None) -> TrustScore:
    """The score of `user` from the counts `trust_inputs` annotated on `inputs` (the user row itself,
    or a row naming them)."""
    now = now or timezone.now()
    bought, sold = inputs.trust_bought, inputs.trust_sold
    filed, received = inputs.trust_disputes_filed, inputs.trust_disputes_received
    upheld = inputs.trust_reports_upheld
    warnings, mutes, bans = inputs.trust_warnings, inputs.trust_mutes, inputs.trust_bans
    verified_email = user.email_verified_at is not None
    factors = [
        _age_factor(now - user.date_joined),
        TrustFactor(
            "email", "E-mail address", 5 if verified_email else -10, "confirmed" if verified_email else "not confirmed"
        ),
        TrustFactor(
            "seller_verified",
            "Seller verification",
            10 if inputs.trust_seller_verified else 0,
            "verified" if inputs.trust_seller_verified else "not verified",
        ),
        # Delivered orders are a record of dealing honestly; a few count, many add little more.
        TrustFactor("orders_bought", "Orders received as a buyer", min(2 * bought, 10), _plural(bought, "order")),
        TrustFactor("orders_sold", "Orders delivered as a seller", min(sold, 15), _plural(sold, "order")),
        # A chargeback the buyer filed (and did not lose) is money taken back outside Tokshop.
        TrustFactor(
            "disputes_filed", "Chargebacks filed as a buyer", -min(15 * filed, 45), _plural(filed, "chargeback")
        ),
        TrustFactor(
            "disputes_received",
            "Chargebacks on sales",
            -min(10 * received, 30),
            _plural(received, "chargeback"),
        ),
        TrustFactor("reports_upheld", "Reports upheld against them", -min(10 * upheld, 30), _plural(upheld, "report")),
        TrustFactor(
            "sanctions",
            "Recent sanctions",
            -min(20 * warnings + 30 * mutes + 40 * bans, 60),
            f"{_plural(warnings, 'warning')}, {_plural(mutes, 'mute')}, {_plural(bans, 'ban')}",
        ),
    ]
    score = max(0, min(100, NEUTRAL + sum(factor.points for factor in factors)))
    level = TrustLevel.LOW if score < LOW_BELOW else TrustLevel.HIGH if score >= HIGH_FROM else TrustLevel.NORMAL
    return TrustScore(score, level, tuple(factors))


# Stand-ins compiled into the one-member query, then swapped for the member's id and the time:
# values no real member or clock produces, so each parameter equal to one is that stand-in.
_SOME_ID = 2**62 + 7919
_SOME_NOW = datetime(2001, 2, 3, 4, 5, 6, 789, tzinfo=UTC)


@lru_cache(maxsize=1)
def _one_member_query() -> tuple[str, tuple[Any, ...]]:
    """`trust_inputs` for one member as SQL, compiled once per process: building and compiling
    nine subqueries costs about 6 ms of Python, running them 0.3 ms in PostgreSQL, and the message
    check scores every sender it has not seen for a minute."""
    rows = User.objects.filter(pk=_SOME_ID).values(**trust_inputs(now=_SOME_NOW))
    sql, params = rows.query.sql_with_params()
    if str(_SOME_ID) in sql:
        raise ImproperlyConfigured("The member's id was written into the trust query instead of passed.")
    return sql, tuple(params)


def trust_score(*, user: User, now: datetime | None = None) -> TrustScore:
    """One member's trust score, in one query."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        # SQLite (the embedded default) adapts dates while compiling, so the compiled query's
        # stand-ins cannot be swapped: build the query each time, for the one process's few senders.
        row = User.objects.filter(pk=user.pk).values(**trust_inputs(now=now)).get()
        return trust_score_from(user=user, inputs=SimpleNamespace(**row), now=now)
    recent_from = _SOME_NOW - RECENT_SANCTION_AGE
    swap: dict[Any, Any] = {_SOME_ID: user.pk, _SOME_NOW: now, recent_from: now - RECENT_SANCTION_AGE}
    sql, params = _one_member_query()
    values: list[Any] = [swap.get(param, param) if isinstance(param, int | datetime) else param for param in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        names = [column.name for column in cursor.description]
        inputs = SimpleNamespace(**dict(zip(names, cursor.fetchone(), strict=True)))
    return trust_score_from(user=user, inputs=inputs, now=now)


def member_standing_list() -> QuerySet[User]:
    """Every member with their trust inputs, newest first, for the moderators' standing list."""
    return User.objects.annotate(**trust_inputs()).order_by(F("date_joined").desc(), "-pk")
