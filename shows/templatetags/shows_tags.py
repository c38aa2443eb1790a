"""Shows on pages other apps render (the home page, a shop's page), without those apps importing shows."""

from typing import Any

from django import template

from ..selectors import follower_count, is_following, show_list_for_seller_public, show_list_live

register = template.Library()

HOME_LIVE_MAX = 8


@register.simple_tag(takes_context=True)
def live_shows(context: dict[str, Any]) -> list[Any]:
    """Shows on air that the visitor may find, for the home page."""
    return list(show_list_live(user=context["request"].user)[:HOME_LIVE_MAX])


@register.simple_tag(takes_context=True)
def seller_shows(context: dict[str, Any], seller_id: int) -> dict[str, Any]:
    """A seller's shows the visitor may find, whether they follow the seller, and how many do."""
    user = context["request"].user
    return {
        **show_list_for_seller_public(user=user, seller_id=seller_id),
        "following": is_following(user=user, seller_id=seller_id),
        "followers": follower_count(seller_id=seller_id),
    }
