"""Shill bidding, the pattern side: a bidder who keeps pushing one seller's prices up without ever
winning is flagged to moderators (decision 0024). Linked accounts are refused at the bid itself
(`tokshop.users.selectors_links.user_linked_to_seller`)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from moderation.models import Report, ReportReason
from moderation.services.reports import report_flag_raise
from tokshop.users.models import User

from ..models import Auction, AuctionStatus, Bid

# The check reads the seller's last this-many closed auctions: recent enough to be one pattern,
# enough of them that taking part in half is a habit, not a coincidence.
PUSHER_RECENT_AUCTIONS = 10
# A pusher takes part in at least half of them...
PUSHER_MIN_AUCTIONS = 5
# ...raising the price at least twice in each. One raise is ordinary interest; raising again after
# being outbid, auction after auction, and never winning is what pushing a price looks like.
PUSHER_MIN_RAISES = 2


@dataclass(frozen=True)
class PushedAuction:
    """One auction where the bidder raised the price: the evidence a moderator reads."""

    auction_id: int
    title: str
    closed_at: datetime | None
    bids: int
    raises: int


def _recent_closed(*, seller_id: int) -> list[Auction]:
    return list(
        Auction.objects.filter(seller_id=seller_id, status=AuctionStatus.CLOSED)
        .select_related("product")
        .order_by("-closed_at", "-id")[:PUSHER_RECENT_AUCTIONS]
    )


def shill_pushed_auctions(*, auctions: list[Auction], bidder_id: int) -> list[PushedAuction]:
    """The auctions among `auctions` where the bidder raised the price PUSHER_MIN_RAISES times or more.

    A bid raised the price when it left it above what the bid before it (by `seq`) had left: a
    bidder raising their own max while leading, or the first bid at the starting price, did not.
    """
    previous_price = Bid.objects.filter(auction_id=OuterRef("auction_id"), seq=OuterRef("seq") - 1).values(
        "price_cents"
    )[:1]
    rows = (
        Bid.objects.filter(bidder_id=bidder_id, auction_id__in=[auction.pk for auction in auctions])
        .annotate(previous_price=Subquery(previous_price))
        .values_list("auction_id", "price_cents", "previous_price")
    )
    counts: dict[int, tuple[int, int]] = {}
    for auction_id, price, previous in rows:
        bids, raises = counts.get(auction_id, (0, 0))
        counts[auction_id] = (bids + 1, raises + int(previous is not None and price > previous))
    pushed = []
    for auction in auctions:
        bids, raises = counts.get(auction.pk, (0, 0))
        if raises >= PUSHER_MIN_RAISES:
            pushed.append(PushedAuction(auction.pk, auction.product.title, auction.closed_at, bids, raises))
    return pushed


def _evidence_text(pushed: list[PushedAuction], *, looked_at: int) -> str:
    lines = [
        f"Raised the price at least {PUSHER_MIN_RAISES} times in {len(pushed)} of this seller's last "
        f"{looked_at} closed auctions, and won none of them:"
    ]
    for auction in pushed:
        closed = f", closed {auction.closed_at:%Y-%m-%d %H:%M}" if auction.closed_at else ""
        lines.append(
            f"- Auction {auction.auction_id} “{auction.title[:40]}”{closed}: "
            f"{auction.bids} bids, {auction.raises} raised the price"
        )
    return "\n".join(lines)


def _pusher_flag(*, seller_id: int, bidder: User, auctions: list[Auction]) -> Report | None:
    if bidder.pk == seller_id or len(auctions) < PUSHER_MIN_AUCTIONS:
        return None
    if any(auction.winner_id == bidder.pk for auction in auctions):
        return None
    pushed = shill_pushed_auctions(auctions=auctions, bidder_id=bidder.pk)
    if len(pushed) < PUSHER_MIN_AUCTIONS:
        return None
    return report_flag_raise(
        target_user=bidder,
        seller_id=seller_id,
        reason=ReportReason.SHILL_BIDDING,
        details=_evidence_text(pushed, looked_at=len(auctions)),
    )


def shill_pusher_check(*, seller_id: int, bidder_id: int) -> Report | None:
    """Flag the bidder to moderators if, across the seller's last PUSHER_RECENT_AUCTIONS closed
    auctions, they raised the price in PUSHER_MIN_AUCTIONS or more and won none; returns the new flag.

    Safe to repeat: while a flag about this bidder and seller is open, no second one is raised.
    """
    bidder = User.objects.filter(pk=bidder_id).first()
    if bidder is None:
        return None
    return _pusher_flag(seller_id=seller_id, bidder=bidder, auctions=_recent_closed(seller_id=seller_id))


def shill_pusher_check_auction(*, auction_id: int) -> list[Report]:
    """`shill_pusher_check` for every distinct bidder of a closed auction; returns the flags raised."""
    auction = Auction.objects.filter(pk=auction_id, status=AuctionStatus.CLOSED).first()
    if auction is None:
        return []
    recent = _recent_closed(seller_id=auction.seller_id)
    bidder_ids = Bid.objects.filter(auction_id=auction_id).order_by().values_list("bidder_id", flat=True).distinct()
    flags = []
    for bidder in User.objects.filter(pk__in=bidder_ids).order_by("pk"):
        flag = _pusher_flag(seller_id=auction.seller_id, bidder=bidder, auctions=recent)
        if flag is not None:
            flags.append(flag)
    return flags
