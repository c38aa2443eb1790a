"""Following sellers and asking to be reminded of a show, and telling those people when a show is
scheduled or goes live (each person once per show, however often the telling runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create

from ..models import Follow, Show, ShowReminder, ShowSchedule, ShowStatus, Visibility
from ..selectors import show_get_for_viewer

if TYPE_CHECKING:
    from tokshop.users.models import User


def _seller_get(seller_id: int) -> User:
    seller = get_user_model().objects.filter(pk=seller_id, is_seller=True, is_active=True).first()
    if seller is None:
        raise NotFound("No such seller.")
    return seller


@transaction.atomic
def follow_create(*, follower: User, seller_id: int) -> Follow:
    """Follow a seller; following them again returns the same follow."""
    seller = _seller_get(seller_id)
    if seller.pk == follower.pk:
        raise ApplicationError("You can't follow yourself.", code="self_follow")
    try:
        with transaction.atomic():
            follow, _ = Follow.objects.get_or_create(follower=follower, seller=seller)
    except IntegrityError:
        # Two clicks raced: the other one made it.
        follow = Follow.objects.get(follower=follower, seller=seller)
    return follow


@transaction.atomic
def follow_delete(*, follower: User, seller_id: int) -> bool:
    """Stop following a seller; True if they were followed."""
    deleted, _ = Follow.objects.filter(follower=follower, seller_id=seller_id).delete()
    return bool(deleted)


@transaction.atomic
def reminder_create(*, user: User, show_id: int, key: str | None = None) -> ShowReminder:
    """Ask to be told when a show that has not started goes live; asking twice returns the same reminder."""
    show = show_get_for_viewer(user=user, show_id=show_id, key=key)
    if show.status != ShowStatus.SCHEDULED:
        raise Conflict("Only a show that has not started can remind you.", code="not_upcoming")
    try:
        with transaction.atomic():
            reminder, _ = ShowReminder.objects.get_or_create(user=user, show=show)
    except IntegrityError:
        reminder = ShowReminder.objects.get(user=user, show=show)
    return reminder


@transaction.atomic
def reminder_delete(*, user: User, show_id: int) -> bool:
    deleted, _ = ShowReminder.objects.filter(user=user, show_id=show_id).delete()
    return bool(deleted)


def _follower_ids(*, seller_id: int, visibility: str) -> list[int]:
    """The seller's followers to tell of a show (a private show's link is for whom the seller gives it)."""
    if visibility == Visibility.PRIVATE:
        return []
    return list(
        Follow.objects.filter(seller_id=seller_id, follower__is_active=True).values_list("follower_id", flat=True)
    )


def _tell(user_ids: list[int], *, title: str, body: str, url: str) -> None:
    for user in get_user_model().objects.filter(pk__in=user_ids):
        notification_create(user=user, kind=NotificationKind.SHOWS, title=title, body=body, url=url)


@transaction.atomic
def show_scheduled_notify(*, show_id: int) -> int:
    """Tell the seller's followers of a show they scheduled, once; returns how many were told."""
    show = Show.objects.select_for_update().select_related("seller").filter(pk=show_id).first()
    if show is None or show.followers_told_scheduled_at is not None or show.status != ShowStatus.SCHEDULED:
        return 0
    show.followers_told_scheduled_at = timezone.now()
    show.save(update_fields=["followers_told_scheduled_at"])
    followers = _follower_ids(seller_id=show.seller_id, visibility=show.visibility)
    start = timezone.localtime(show.scheduled_start).strftime("%b %-d, %H:%M %Z")
    _tell(
        followers,
        title=f"{show.seller.display_name} scheduled a show",
        body=f"“{show.title}”, {start}. Open it to be reminded when it starts.",
        url=show.get_absolute_url(),
    )
    return len(followers)


@transaction.atomic
def show_live_notify(*, show_id: int) -> int:
    """Tell those who asked to be reminded, and the seller's followers, that the show is live: each
    person once per show (a restarted show tells nobody twice); returns how many were told."""
    show = Show.objects.select_for_update().select_related("seller").filter(pk=show_id).first()
    if show is None or not show.is_on_air:
        return 0
    now = timezone.now()
    reminded = list(
        ShowReminder.objects.select_for_update()
        .filter(show=show, notified_at__isnull=True, user__is_active=True)
        .values_list("user_id", flat=True)
    )
    ShowReminder.objects.filter(show=show, user_id__in=reminded).update(notified_at=now)
    followers: list[int] = []
    if show.followers_told_live_at is None:
        show.followers_told_live_at = now
        show.save(update_fields=["followers_told_live_at"])
        already = set(ShowReminder.objects.filter(show=show).values_list("user_id", flat=True))
        followers = [
            pk for pk in _follower_ids(seller_id=show.seller_id, visibility=show.visibility) if pk not in already
        ]
    told = reminded + followers
    _tell(
        told,
        title=f"{show.seller.display_name} is live now",
        body=f"“{show.title}” has started. Join the show.",
        url=show.get_absolute_url(),
    )
    return len(told)


@transaction.atomic
def schedule_created_notify(*, schedule_id: int) -> int:
    """Tell the seller's followers once of a new recurring show (not of each show it makes)."""
    schedule = ShowSchedule.objects.select_for_update().select_related("seller").filter(pk=schedule_id).first()
    if schedule is None or schedule.followers_told_at is not None or not schedule.is_running:
        return 0
    schedule.followers_told_at = timezone.now()
    schedule.save(update_fields=["followers_told_at"])
    first = schedule.shows.filter(status=ShowStatus.SCHEDULED).order_by("scheduled_start").first()
    followers = _follower_ids(seller_id=schedule.seller_id, visibility=schedule.visibility)
    _tell(
        followers,
        title=f"{schedule.seller.display_name} has a new regular show",
        body=f"“{schedule.title}”. Open the next one to be reminded when it starts.",
        url=first.get_absolute_url() if first is not None else reverse("shows:list"),
    )
    return len(followers)
