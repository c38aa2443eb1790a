"""seed_demo's auctions part: in the demo live show, a finished auction with its bids, one running
with bids and one waiting with pre-bids; the same after a second run."""

from io import StringIO

import pytest
from django.core.management import call_command

from shows.demo_data import demo_live_show

from ..models import Auction, AuctionOutcome, AuctionStatus, Bid

pytestmark = pytest.mark.django_db


def _state():
    auctions = sorted(Auction.objects.values_list("product__sku", "status", "outcome", "price_cents"), key=str)
    return auctions, Bid.objects.count()


def test_seed_demo_runs_auctions_in_the_live_show_once(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    first = _state()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())

    assert _state() == first
    show = demo_live_show()
    finished = Auction.objects.get(show=show, status=AuctionStatus.CLOSED)
    assert (finished.outcome, finished.winner.email, finished.winning_cents) == (
        AuctionOutcome.SOLD,
        "dev@tokshop.demo",
        15500,
    )
    assert finished.bids.count() == 5
    running = Auction.objects.get(show=show, status=AuctionStatus.OPEN)
    assert (running.price_cents, running.bid_count) == (3700, 2)
    waiting = Auction.objects.get(show=show, status=AuctionStatus.SCHEDULED)
    assert waiting.allow_prebids
    assert waiting.bids.count() == 2
