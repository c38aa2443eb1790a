"""Domain signals the auctions app sends after commit, for settlement, moderation and analytics."""

from django.dispatch import Signal

# An auction closed (sold, bought now, no bids, reserve not met). kwargs: auction_id. Sent once per
# auction: the close is decided once by the bid engine and recorded once.
auction_closed = Signal()
