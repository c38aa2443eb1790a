"""What the go-live console (a shows template) reads of the show's auctions."""

from django import template
from django.db.models import QuerySet

from ..models import Auction
from ..selectors import auction_waiting_list_for_show

register = template.Library()


@register.simple_tag
def auctions_waiting(show_id: int) -> QuerySet[Auction]:
    """The show's auctions waiting for the host to open them; the room's snapshot lists only those
    taking pre-bids, and the console must offer every one."""
    return auction_waiting_list_for_show(show_id=show_id)
