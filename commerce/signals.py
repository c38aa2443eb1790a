"""Domain signals the commerce app sends after commit, for higher apps (referrals, analytics)."""

from django.dispatch import Signal

# Sent once an order's payment has committed; kwargs: order (commerce.models.Order).
order_paid = Signal()
