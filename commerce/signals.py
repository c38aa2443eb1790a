"""Domain signals the commerce app sends after commit, for higher apps (referrals, analytics)."""

from django.dispatch import Signal

# Sent once an order's payment has committed; kwargs: order (commerce.models.Order).
order_paid = Signal()

# A product's stock changed (held, released, sold or adjusted), sent after commit; kwargs:
# product_id (int). Rooms showing the product tell their viewers what is left.
stock_changed = Signal()
