"""Reads of shows for pages, the API and the live room, with who may see what."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from moderation.selectors import can_moderate
from tokshop.core.errors import NotFound, PermissionDenied

from .models import Follow, Show, ShowQuerySet, Visibility

if TYPE_CHECKING:
    from tokshop.users.models import User


def show_is_host(*, user: User | AnonymousUser, show: Show) -> bool:
    return user.is_authenticated and user.pk == show.seller_id


def show_can_moderate(*, user: User | AnonymousUser, show: Show) -> bool:
    """The host, the moderators the seller appointed, and Tokshop's moderators act in the room."""
    return user.is_authenticated and can_moderate(actor=user, seller_id=show.seller_id)


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
