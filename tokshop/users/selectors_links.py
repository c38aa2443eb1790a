"""Which accounts are linked: seen with the same browser, card or (within limits) IP address.

A device cookie or a card fingerprint shared by two accounts links them whenever it was seen: a
browser or a card is one person's, or one household's. An IP address is weaker evidence (mobile
carriers, offices and cafés put many strangers behind one), so it links two accounts only when
both were seen with it within IP_LINK_WINDOW and at most IP_LINK_MAX_ACCOUNTS accounts were
(decision 0024).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from .models import AccountSignal, AccountSignalKind, User

# An address is reassigned within weeks (home broadband) or minutes (mobile); older sightings say
# little about who is behind it now.
IP_LINK_WINDOW = timedelta(days=30)
# A household's accounts share an address; past this many, it is a carrier's or an office's.
IP_LINK_MAX_ACCOUNTS = 4
# How long `user_linked_to_seller` trusts its answer. Nothing invalidates it: a link recorded later
# applies from the next lookup on, which for bidding means the next auctions.
LINK_CACHE_SECONDS = 300
# The admin lists at most this many linked accounts.
LINKED_ACCOUNTS_SHOWN = 50

_ALWAYS_LINK = (AccountSignalKind.DEVICE, AccountSignalKind.CARD)


def _linking(*, to_user_id: int, among: QuerySet[AccountSignal]) -> QuerySet[AccountSignal]:
    """The rows of `among`, of other accounts, whose value links them to `to_user_id`'s account."""
    cutoff = timezone.now() - IP_LINK_WINDOW
    theirs = AccountSignal.objects.filter(user_id=to_user_id, kind=OuterRef("kind"), value=OuterRef("value"))
    crowd = Subquery(
        AccountSignal.objects.filter(kind=AccountSignalKind.IP, value=OuterRef("value"), last_seen_at__gte=cutoff)
        .order_by()
        .values("value")
        .annotate(accounts=Count("user_id"))
        .values("accounts")
    )
    strong = Q(kind__in=_ALWAYS_LINK) & Exists(theirs)
    by_ip = (
        Q(kind=AccountSignalKind.IP, last_seen_at__gte=cutoff)
        & Exists(theirs.filter(last_seen_at__gte=cutoff))
        & LessThanOrEqual(crowd, IP_LINK_MAX_ACCOUNTS)
    )
    return among.exclude(user_id=to_user_id).filter(strong | by_ip)


def accounts_linked(*, user_id: int, other_user_id: int) -> bool:
    """Whether two different accounts share a device, a card, or a recent uncrowded IP address.

    One indexed query. An account is not "linked" to itself: the caller checks that case first.
    """
    if user_id == other_user_id:
        return False
    return _linking(to_user_id=other_user_id, among=AccountSignal.objects.filter(user_id=user_id)).exists()


def user_linked_to_seller(*, user_id: int, seller_id: int) -> bool:
    """`accounts_linked` for the bid path: answered from the cache for LINK_CACHE_SECONDS after the
    first lookup of the pair (no query), never invalidated."""
    key = f"users:linked:{seller_id}:{user_id}"
    cached = cache.get(key)
    if cached is not None:
        return bool(cached)
    linked = accounts_linked(user_id=user_id, other_user_id=seller_id)
    cache.set(key, int(linked), timeout=LINK_CACHE_SECONDS)
    return linked


@dataclass(frozen=True)
class SignalSummary:
    label: str
    count: int
    last_seen_at: datetime


def account_signal_summary(*, user_id: int) -> list[SignalSummary]:
    """How many devices, addresses and cards the account was seen with, and when last."""
    rows = (
        AccountSignal.objects.filter(user_id=user_id)
        .order_by("kind")
        .values("kind")
        .annotate(count=Count("id"), last=Max("last_seen_at"))
    )
    return [SignalSummary(AccountSignalKind(row["kind"]).label, row["count"], row["last"]) for row in rows]


@dataclass(frozen=True)
class LinkedAccount:
    user: User
    kinds: list[str]


def linked_account_list(*, user_id: int) -> list[LinkedAccount]:
    """The accounts linked to this one, each with what they share (device, IP address, card)."""
    pairs = list(
        _linking(to_user_id=user_id, among=AccountSignal.objects.all())
        .order_by("user_id", "kind")
        .values_list("user_id", "kind")
        .distinct()[: LINKED_ACCOUNTS_SHOWN * len(AccountSignalKind)]
    )
    kinds: dict[int, list[str]] = {}
    for other_id, kind in pairs:
        kinds.setdefault(other_id, []).append(AccountSignalKind(kind).label)
    users = User.objects.in_bulk(list(kinds)[:LINKED_ACCOUNTS_SHOWN])
    return [LinkedAccount(user=users[pk], kinds=kinds[pk]) for pk in kinds if pk in users]
