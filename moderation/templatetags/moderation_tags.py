from django import template

from tokshop.users.models import User

from ..selectors import is_appointed_moderator

register = template.Library()


@register.simple_tag
def moderates_for_sellers(user: User) -> bool:
    """Whether a seller appointed `user`: the account menu then links to the moderators' page."""
    return user.is_authenticated and is_appointed_moderator(user)
