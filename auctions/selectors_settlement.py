"""Reads of settlement for its pages and API, and the strike count the bid rules ask about."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tokshop.users.models import User

from .models import Auction, AuctionEvent, AuctionOffer, BidderStrike


def bidder_strike_count(*, user_id: int) -> int:
    """The bidder's strikes (lots won and not paid) within the last AUCTION_STRIKE_DAYS."""
    since = timezone.now() - timedelta(days=settings.AUCTION_STRIKE_DAYS)
    return BidderStrike.objects.filter(user_id=user_id, created_at__gte=since).count()


def bidder_is_barred(*, user_id: int) -> bool:
    """True when the bidder has too many recent strikes to bid (AUCTION_STRIKES_TO_BAR)."""
    return bidder_strike_count(user_id=user_id) >= settings.AUCTION_STRIKES_TO_BAR


def auction_get_for_seller(*, seller: User, auction_id: int) -> Auction | None:
    return (
        Auction.objects.filter(pk=auction_id, seller=seller)
        .select_related("product", "show", "winner", "leader")
        .first()
    )


def auction_event_list(*, auction: Auction) -> QuerySet[AuctionEvent]:
    return auction.events.select_related("actor").order_by("at", "id")


def auction_offer_list(*, auction: Auction) -> QuerySet[AuctionOffer]:
    return auction.offers.select_related("buyer", "order").order_by("rank")


def offer_list_for_buyer(*, buyer: User) -> QuerySet[AuctionOffer]:
    return (
        AuctionOffer.objects.filter(buyer=buyer)
        .select_related("auction__product", "auction__show", "order")
        .order_by("-created_at", "-id")
    )


def offer_get_for_buyer(*, buyer: User, offer_id: int) -> AuctionOffer | None:
    return offer_list_for_buyer(buyer=buyer).filter(pk=offer_id).first()
