"""The auctions app's models: auctions and their bids, then what follows a close (settlement),
and giveaways."""

from .auctions import (
    Auction,
    AuctionMode,
    AuctionOutcome,
    AuctionQuerySet,
    AuctionStatus,
    Bid,
    BidSource,
    Eligibility,
    SellerAuctionDefaults,
)
from .giveaways import (
    EntryMethod,
    Giveaway,
    GiveawayEntry,
    GiveawayEntryKind,
    GiveawayQuerySet,
    GiveawayStatus,
)
from .settlement import AuctionEvent, AuctionEventKind, AuctionOffer, BidderStrike, OfferStatus

__all__ = [
    "Auction",
    "AuctionEvent",
    "AuctionEventKind",
    "AuctionMode",
    "AuctionOffer",
    "AuctionOutcome",
    "AuctionQuerySet",
    "AuctionStatus",
    "Bid",
    "BidSource",
    "BidderStrike",
    "Eligibility",
    "EntryMethod",
    "Giveaway",
    "GiveawayEntry",
    "GiveawayEntryKind",
    "GiveawayQuerySet",
    "GiveawayStatus",
    "OfferStatus",
    "SellerAuctionDefaults",
]
