"""Who may bid on an auction: checked once per bidder and auction, then remembered for a minute, so
the bid path asks the database only on a bidder's first bid."""

from __future__ import annotations

import time

from commerce.models import Order, OrderStatus, PaymentCustomer
from commerce.payments import StripeGateway, payment_gateway
from moderation.selectors import ban_in_force
from shows.models import Follow
from tokshop.core.errors import PermissionDenied
from tokshop.users.selectors_links import user_linked_to_seller

from ..meta import AuctionMeta
from ..models import Eligibility
from ..selectors_settlement import bidder_is_barred

# A bidder found eligible is not checked again for this long (per process); a refusal is never
# remembered, so a bidder who follows the seller or saves a card can bid at once.
ELIGIBLE_SECONDS = 60
PAID = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
)
_eligible: dict[tuple[int, int], float] = {}


def bidder_check(*, user_id: int, meta: AuctionMeta) -> None:
    """Raise the refusal that keeps `user_id` from bidding on the auction, if any."""
    if user_id == meta.seller_id:
        raise PermissionDenied("You cannot bid on your own lot.", code="own_lot")
    if user_linked_to_seller(user_id=user_id, seller_id=meta.seller_id):
        # A device, a network or a card shared with the seller: bids from such accounts would
        # push the seller's own prices (decision 0024).
        raise PermissionDenied(
            "This account shares a device, network or card with the seller, so it cannot bid on their lots.",
            code="linked_account",
        )
    if ban_in_force(user_id=user_id, seller_id=meta.seller_id, show_id=meta.show_id) is not None:
        raise PermissionDenied("You are banned from this seller's shows.", code="not_allowed")
    if bidder_is_barred(user_id=user_id):
        raise PermissionDenied(
            "Bidding is paused on this account: several auctions you won went unpaid recently.", code="not_allowed"
        )
    if (
        meta.eligibility == Eligibility.FOLLOWERS
        and not Follow.objects.filter(follower_id=user_id, seller_id=meta.seller_id).exists()
    ):
        raise PermissionDenied("This auction is for the seller's followers: follow them to bid.", code="not_allowed")
    gateway = payment_gateway()
    # With Stripe a win is charged to the saved card, so a bidder needs one; the built-in test
    # gateway saves no cards (its winners pay on the order page).
    if isinstance(gateway, StripeGateway):
        customer = PaymentCustomer.objects.filter(user_id=user_id).values_list("reference", flat=True).first()
        if not customer or not gateway.customer_default_card(customer_id=customer):
            raise PermissionDenied("Save a card to bid: the winner is charged with it.", code="no_payment_method")
    if (
        meta.eligibility == Eligibility.VERIFIED_PAYMENT
        and not Order.objects.filter(buyer_id=user_id, status__in=PAID).exists()
    ):
        raise PermissionDenied(
            "This auction is for buyers whose payment has gone through before: complete one order first.",
            code="not_allowed",
        )


def bidder_known_eligible(*, user_id: int, meta: AuctionMeta) -> bool:
    return _eligible.get((meta.id, user_id), 0) > time.monotonic()


def bidder_check_cached(*, user_id: int, meta: AuctionMeta) -> None:
    key = (meta.id, user_id)
    if bidder_known_eligible(user_id=user_id, meta=meta):
        return
    bidder_check(user_id=user_id, meta=meta)
    if len(_eligible) > 50_000:
        _eligible.clear()
    _eligible[key] = time.monotonic() + ELIGIBLE_SECONDS
