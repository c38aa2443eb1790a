"""Reads of shows for pages, the API and the live room, with who may see what."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from moderation.selectors import can_moderate
from tokshop.core.errors import NotFound, PermissionDenied

from .models import Follow, LineupItem, Show, ShowQuerySet, ShowReminder, ShowSchedule, ShowStatus, Visibility

if TYPE_CHECKING:
    from tokshop.users.models import User


def show_is_host(*, user: User | AnonymousUser, show: Show) -> bool:
    return user.is_authenticated and user.pk == show.seller_id


def show_can_moderate(*, user: User | AnonymousUser, show: Show) -> bool:
    """The host, the moderators the seller appointed, and Tokshop's moderators act in the room."""
    return user.is_authenticated and can_moderate(actor=user, seller_id=show.seller_id, show_id=show.pk)


def is_following(*, user: User | AnonymousUser, seller_id: int) -> bool:
    return user.is_authenticated and Follow.objects.filter(follower_id=user.pk, seller_id=seller_id).exists()


def show_access_check(*, user: User | AnonymousUser, show: Show, key: str | None = None) -> None:
    """Raise unless `user` may watch `show`: anyone for public shows, followers for followers-only
    shows, and holders of the link for private ones; the host and its moderators always."""
    if show.visibility == Visibility.PUBLIC or show_can_moderate(user=user, show=show):
        return
    if show.visibility == Visibility.FOLLOWERS:
        if not user.is_authenticated:
            raise PermissionDenied("Sign in and follow the seller to watch this show.", code="followers_only")
        if not is_following(user=user, seller_id=show.seller_id):
            raise PermissionDenied(
                "This show is for the seller's followers: follow them to watch.", code="followers_only"
            )
        return
    if not key or not hmac.compare_digest(key, show.private_token):
        raise PermissionDenied("This show is private: open it from the link its seller shared.", code="not_invited")


def show_get(*, show_id: int) -> Show:
    """A show by id, whatever its visibility, with what its pages show; NotFound if there is none."""
    show = Show.objects.select_related("seller", "category").filter(pk=show_id).first()
    if show is None:
        raise NotFound("No such show.")
    return show


def show_get_for_viewer(*, user: User | AnonymousUser, show_id: int, key: str | None = None) -> Show:
    """The show `user` may watch; NotFound if it does not exist, PermissionDenied if it is not theirs to watch."""
    show = show_get(show_id=show_id)
    show_access_check(user=user, show=show, key=key)
    return show


def show_list_visible(*, user: User | AnonymousUser) -> ShowQuerySet:
    """Shows that may appear in lists for `user`: public ones, and followers-only shows of sellers they follow."""
    shows = Show.objects.listed().select_related("seller", "category")
    if not user.is_authenticated:
        return shows.filter(visibility=Visibility.PUBLIC)
    followed = Follow.objects.filter(follower_id=user.pk).values("seller_id")
    return shows.filter(Q(visibility=Visibility.PUBLIC) | Q(seller_id__in=followed) | Q(seller_id=user.pk))


def show_list_for_seller(*, seller: User) -> ShowQuerySet:
    """Every show of the seller's own, newest first, for their dashboard."""
    return Show.objects.filter(seller=seller).select_related("category").order_by("-scheduled_start", "-id")


# --- Listing, search and the pages around a show ---------------------------------------------

SEARCH_CONFIG = "english"
SEARCH_VECTOR = (
    SearchVector("title", weight="A", config=SEARCH_CONFIG)
    + SearchVector("tags", weight="B", config=SEARCH_CONFIG)
    + SearchVector("description", weight="C", config=SEARCH_CONFIG)
)
# Which shows a listing or a search asks for.
WHEN_LIVE, WHEN_UPCOMING, WHEN_ENDED = "live", "upcoming", "ended"
WHEN_STATUSES: dict[str, tuple[str, ...]] = {
    WHEN_LIVE: (ShowStatus.LIVE, ShowStatus.PAUSED),
    WHEN_UPCOMING: (ShowStatus.SCHEDULED,),
    WHEN_ENDED: (ShowStatus.ENDED,),
}


def _with_lineup(shows: QuerySet[Show]) -> QuerySet[Show]:
    items = LineupItem.objects.select_related("product").order_by("position", "id")
    return shows.select_related("seller__seller_profile", "category").prefetch_related(
        Prefetch("lineup", queryset=items)
    )


def show_list_live(*, user: User | AnonymousUser) -> QuerySet[Show]:
    """Shows on air that `user` may find, those on air longest first."""
    return _with_lineup(show_list_visible(user=user).on_air()).order_by("started_at", "id")


def show_list_upcoming(*, user: User | AnonymousUser) -> QuerySet[Show]:
    """Scheduled shows `user` may find, soonest first (one that is late to start still shows)."""
    return _with_lineup(show_list_visible(user=user).upcoming()).order_by("scheduled_start", "id")


def show_search(
    *,
    user: User | AnonymousUser,
    query: str = "",
    when: str | None = None,
    seller_id: int | None = None,
    category: str | None = None,
) -> QuerySet[Show]:
    """Shows `user` may find, matching the words and filters, best match first when words are given.

    On PostgreSQL the words are a web-search query ranked over title (A), tags (B) and description
    (C); on the embedded SQLite they are matched as one phrase and a title match ranks first (as the
    catalog's search, decision 0005). Without `when`, live and upcoming shows; ended ones on request.
    """
    shows = show_list_visible(user=user).filter(seller__is_active=True)
    shows = shows.filter(status__in=WHEN_STATUSES[when] if when else (*WHEN_STATUSES[WHEN_LIVE], ShowStatus.SCHEDULED))
    if seller_id is not None:
        shows = shows.filter(seller_id=seller_id)
    if category:
        shows = shows.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    text = query.strip()
    if text and connection.vendor == "postgresql":
        search_query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        shows = shows.annotate(search=SEARCH_VECTOR, rank=SearchRank(SEARCH_VECTOR, search_query)).filter(
            search=search_query
        )
    elif text:
        shows = shows.filter(
            Q(title__icontains=text) | Q(tags__icontains=text) | Q(description__icontains=text)
        ).annotate(
            rank=Case(
                When(title__icontains=text, then=Value(3)),
                When(tags__icontains=text, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    # Live first, then the soonest; ended shows newest first.
    on_air_first = Case(When(status__in=WHEN_STATUSES[WHEN_LIVE], then=Value(0)), default=Value(1))
    order: list[Any] = [F("rank").desc()] if text else []
    if when == WHEN_ENDED:
        order += ["-ended_at", "-id"]
    else:
        order += [on_air_first, "scheduled_start", "id"]
    return _with_lineup(shows).order_by(*order)


def show_list_for_seller_public(*, user: User | AnonymousUser, seller_id: int) -> dict[str, list[Show]]:
    """A seller's shows that `user` may find: on air, upcoming, and the latest that ended."""
    shows = _with_lineup(show_list_visible(user=user).filter(seller_id=seller_id))
    return {
        "live": list(shows.filter(status__in=WHEN_STATUSES[WHEN_LIVE]).order_by("started_at")),
        "upcoming": list(shows.filter(status=ShowStatus.SCHEDULED).order_by("scheduled_start")[:20]),
        "ended": list(shows.filter(status=ShowStatus.ENDED).order_by("-ended_at")[:6]),
    }


def show_lineup(*, show: Show) -> list[LineupItem]:
    return list(
        LineupItem.objects.filter(show=show)
        .select_related("product")
        .prefetch_related("product__images")
        .order_by("position", "id")
    )


def has_reminder(*, user: User | AnonymousUser, show_id: int) -> bool:
    return user.is_authenticated and ShowReminder.objects.filter(user_id=user.pk, show_id=show_id).exists()


def follower_count(*, seller_id: int) -> int:
    return Follow.objects.filter(seller_id=seller_id).count()


def following_list(*, user: User) -> QuerySet[Follow]:
    """The sellers `user` follows, most recent first, with their shop and how many shows they have coming."""
    return (
        Follow.objects.filter(follower=user, seller__is_active=True)
        .select_related("seller__seller_profile")
        .annotate(upcoming_count=Count("seller__shows", filter=Q(seller__shows__status=ShowStatus.SCHEDULED)))
        .order_by("-created_at", "-id")
    )


def reminder_list(*, user: User) -> QuerySet[ShowReminder]:
    """The reminders `user` set on shows that have not started yet, soonest first."""
    return (
        ShowReminder.objects.filter(user=user, show__status=ShowStatus.SCHEDULED)
        .select_related("show__seller")
        .order_by("show__scheduled_start", "id")
    )


def show_get_own(*, seller: User, show_id: int) -> Show:
    """One of the seller's own shows, for their pages and the host's API; NotFound for anyone else's."""
    show = Show.objects.select_related("category").filter(pk=show_id, seller=seller).first()
    if show is None:
        raise NotFound("No such show.")
    return show


def show_list_for_seller_by_status(*, seller: User) -> dict[str, list[Any]]:
    """The seller's shows for their dashboard: on air, upcoming, and past (ended, cancelled, failed)."""
    shows = list(
        show_list_for_seller(seller=seller)
        .select_related("schedule")
        .annotate(lineup_count=Count("lineup", distinct=True), reminder_count=Count("reminders", distinct=True))
    )
    return {
        "on_air": [show for show in shows if show.is_on_air],
        "upcoming": sorted(
            (show for show in shows if show.status == ShowStatus.SCHEDULED), key=lambda s: s.scheduled_start
        ),
        "past": [show for show in shows if show.status not in (ShowStatus.SCHEDULED, *WHEN_STATUSES[WHEN_LIVE])][:50],
    }


def schedule_list_for_seller(*, seller: User) -> QuerySet[ShowSchedule]:
    return (
        ShowSchedule.objects.filter(seller=seller)
        .select_related("category")
        .order_by(F("stopped_at").desc(nulls_first=True), "-created_at", "-id")
    )


def schedule_get_own(*, seller: User, schedule_id: int) -> ShowSchedule:
    schedule = ShowSchedule.objects.filter(pk=schedule_id, seller=seller).first()
    if schedule is None:
        raise NotFound("No such schedule.")
    return schedule


def schedule_next_shows(*, schedule: ShowSchedule) -> list[Show]:
    return list(
        schedule.shows.filter(status=ShowStatus.SCHEDULED, scheduled_start__gt=timezone.now()).order_by(
            "scheduled_start"
        )[:14]
    )
