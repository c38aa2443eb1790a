"""Reads of auctions for the room, the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from tokshop.core.errors import NotFound

from .engine import Live, engine
from .events import auction_payload, auction_with_product
from .increments import DEFAULT_INCREMENTS
from .models import Auction, AuctionOffer, AuctionStatus, Bid, OfferStatus, SellerAuctionDefaults
from .models.settlement import OFFER_OPEN

# Past this, an open auction's close is overdue rather than under way.
CLOSE_GRACE = timedelta(seconds=2)


def auction_live(auction: Auction) -> Live:
    """The auction's state as the engine holds it, or as its row does when the engine has none."""
    live = engine().live(auction.pk) if not auction.is_finished else None
    if live is None:
        return Live(
            status=auction.status,
            price=auction.price_cents,
            leader=auction.leader_id or 0,
            count=auction.bid_count,
            ends_at=int(auction.ends_at.timestamp() * 1000) if auction.ends_at else 0,
            extensions=auction.extensions,
        )
    return live


def auction_view(auction: Auction, *, viewer_id: int | None = None) -> dict[str, Any]:
    live = auction_live(auction)
    payload = auction_payload(
        auction, price=live.price, leader=live.leader, count=live.count, ends_at=live.ends_at, status=live.status
    )
    if viewer_id:
        your_max = engine().max_of(auction.pk, viewer_id) if not auction.is_finished else None
        if your_max is None:
            your_max = (
                Bid.objects.filter(auction=auction, bidder_id=viewer_id)
                .order_by("-seq")
                .values_list("max_cents", flat=True)
                .first()
            )
        payload["your_max_cents"] = your_max
        payload["you_lead"] = bool(live.leader) and live.leader == viewer_id
    return payload


def auction_get(*, auction_id: int) -> Auction:
    try:
        return auction_with_product(auction_id)
    except Auction.DoesNotExist:
        raise NotFound("No such auction.", code="auction_not_found") from None


def auction_current_for_show(*, show_id: int) -> Auction | None:
    """The lot under the hammer now, else the one that closed last (its result stays on screen)."""
    current = Auction.objects.filter(show_id=show_id, status=AuctionStatus.OPEN).values_list("pk", flat=True).first()
    if current is None:
        current = (
            Auction.objects.filter(show_id=show_id, status=AuctionStatus.CLOSED)
            .order_by("-closed_at")
            .values_list("pk", flat=True)
            .first()
        )
    return auction_with_product(current) if current is not None else None


def auction_list_for_show(*, show_id: int) -> QuerySet[Auction]:
    return (
        Auction.objects.filter(show_id=show_id)
        .select_related("product", "winner", "leader")
        .prefetch_related("product__images")
        .order_by("-created_at", "-id")
    )


def auction_waiting_list_for_show(*, show_id: int) -> QuerySet[Auction]:
    """Auctions the host made to open later, oldest first (the order they were lined up)."""
    return auction_list_for_show(show_id=show_id).filter(status=AuctionStatus.SCHEDULED).order_by("created_at", "id")


def auction_prebid_list_for_show(*, show_id: int) -> QuerySet[Auction]:
    return auction_list_for_show(show_id=show_id).filter(status=AuctionStatus.SCHEDULED, allow_prebids=True)


def bid_list_for_auction(*, auction_id: int, limit: int = 50) -> QuerySet[Bid]:
    """The auction's accepted bids, newest first (the maxes are private: callers show prices)."""
    return Bid.objects.filter(auction_id=auction_id).select_related("bidder").order_by("-seq")[:limit]


def auction_snapshot(*, show_id: int, viewer_id: int | None) -> dict[str, Any]:
    """The room's auctions for a socket's snapshot: the current lot, and the lots taking pre-bids."""
    current = auction_current_for_show(show_id=show_id)
    if current is not None and current.is_open and current.ends_at and current.ends_at < timezone.now() - CLOSE_GRACE:
        # Its clock was lost (the embedded site restarted while it ran): whoever looks closes it.
        from .services.auctions import auction_close_due

        auction_close_due(auction_id=current.pk)
        current = auction_current_for_show(show_id=show_id)
    return {
        "auction": auction_view(current, viewer_id=viewer_id) if current is not None else None,
        "prebid_auctions": [
            auction_view(auction, viewer_id=viewer_id) for auction in auction_prebid_list_for_show(show_id=show_id)
        ],
    }


def auction_get_for_viewer(*, user: Any, auction_id: int, key: str | None = None) -> Auction:
    """The auction, if `user` may watch its show (followers-only and private shows keep theirs)."""
    from shows.selectors import show_get_for_viewer

    auction = auction_get(auction_id=auction_id)
    show_get_for_viewer(user=user, show_id=auction.show_id, key=key)
    return auction


def auction_list_for_bidder(*, bidder_id: int) -> QuerySet[Auction]:
    """Auctions the bidder bid on, newest first, each with `your_max_cents` (their highest max)."""
    return (
        Auction.objects.filter(bids__bidder_id=bidder_id)
        .annotate(your_max_cents=Max("bids__max_cents", filter=Q(bids__bidder_id=bidder_id)))
        .select_related("product", "show", "winner")
        .prefetch_related("product__images")
        .order_by("-created_at", "-id")
        .distinct()
    )


def auction_history_for_show(*, show_id: int) -> QuerySet[Auction]:
    """Every auction of the show, newest first, each with its bids in the order they were taken."""
    bids = Prefetch("bids", queryset=Bid.objects.select_related("bidder").order_by("seq"), to_attr="bid_history")
    return auction_list_for_show(show_id=show_id).prefetch_related(bids)


@dataclass(frozen=True)
class BidderAuction:
    """An auction as one bidder sees it afterwards: their highest max and where they stand."""

    auction: Auction
    your_max_cents: int
    price_cents: int
    bid_count: int
    # won, lost (closed without them winning, or cancelled), leading or outbid (still open).
    standing: str
    # The sale offered to them after the close (they won, or a second chance came to them), if any.
    offer: AuctionOffer | None = None

    @property
    def to_pay(self) -> bool:
        """The offer waits on this buyer: to accept it, or to pay its order."""
        return self.offer is not None and self.offer.status in OFFER_OPEN

    @property
    def is_paid(self) -> bool:
        return self.offer is not None and self.offer.status == OfferStatus.PAID


def _standing(auction: Auction, live: Live, user_id: int) -> str:
    if auction.status == AuctionStatus.CLOSED:
        return "won" if auction.winner_id == user_id else "lost"
    if auction.status == AuctionStatus.CANCELLED:
        return "lost"
    return "leading" if live.leader == user_id else "outbid"


def auction_rows_for_bidder(*, user_id: int, limit: int = 100) -> list[BidderAuction]:
    """The auctions `user_id` bid on, newest first, each with their own highest max and standing."""
    rows = []
    auctions = list(auction_list_for_bidder(bidder_id=user_id)[:limit])
    offers = {
        offer.auction_id: offer
        for offer in AuctionOffer.objects.filter(buyer_id=user_id, auction__in=[a.pk for a in auctions])
    }
    for auction in auctions:
        live = auction_live(auction)
        rows.append(
            BidderAuction(
                auction=auction,
                your_max_cents=auction.your_max_cents,  # type: ignore[attr-defined]  # annotated by the query
                price_cents=live.price,
                bid_count=live.count,
                standing=_standing(auction, live, user_id),
                offer=offers.get(auction.pk),
            )
        )
    return rows


def increments_for_seller(*, seller_id: int) -> list[list[int]]:
    """The increment table the seller's next auctions copy: their own, else the default."""
    table = SellerAuctionDefaults.objects.filter(seller_id=seller_id).values_list("increments", flat=True).first()
    return table or DEFAULT_INCREMENTS
