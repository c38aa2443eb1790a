"""Closed auctions and their bids, made directly (settlement starts where the bid engine stops)."""

from typing import Any

import factory
from django.utils import timezone

from shows.tests.factories import LineupItemFactory, ShowFactory

from ..models import Auction, AuctionOutcome, AuctionStatus, Bid


class AuctionFactory(factory.django.DjangoModelFactory[Auction]):
    class Meta:
        model = Auction

    show = factory.SubFactory(ShowFactory, live=True)
    product = factory.LazyAttribute(lambda a: LineupItemFactory(show=a.show, product__price_cents=1500).product)
    seller = factory.LazyAttribute(lambda a: a.show.seller)
    starting_cents = 100


class BidFactory(factory.django.DjangoModelFactory[Bid]):
    class Meta:
        model = Bid

    auction = factory.SubFactory(AuctionFactory)
    seq = factory.Sequence(lambda n: n + 1)
    max_cents = 1000
    price_cents = factory.LazyAttribute(lambda b: b.max_cents)
    leader = factory.LazyAttribute(lambda b: b.bidder)
    client_ref = factory.Sequence(lambda n: f"ref-{n}")
    received_at = factory.LazyFunction(timezone.now)


def auction_closed_with_bids(
    bids: list[tuple[Any, int]], *, winning_cents: int, outcome: str = AuctionOutcome.SOLD, **fields: Any
) -> Auction:
    """A closed auction whose bids are `(bidder, max_cents)` in the order they came; the winner is
    the highest max (the earlier at equal max), as the bid engine decides."""
    auction = AuctionFactory.create(**fields)
    for seq, (bidder, max_cents) in enumerate(bids, start=1):
        BidFactory.create(auction=auction, seq=seq, bidder=bidder, max_cents=max_cents)
    winner = min(enumerate(bids), key=lambda pair: (-pair[1][1], pair[0]))[1][0]
    Auction.objects.filter(pk=auction.pk).update(
        status=AuctionStatus.CLOSED,
        closed_at=timezone.now(),
        outcome=outcome,
        winner=winner,
        leader=winner,
        winning_cents=winning_cents,
        price_cents=winning_cents,
        bid_count=len(bids),
    )
    auction.refresh_from_db()
    return auction
