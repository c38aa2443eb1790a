"""Shill bidding: a bidder who keeps pushing one seller's prices without winning is flagged to
moderators through the report queue (decision 0024)."""

from datetime import timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from auctions.models import Auction, AuctionOutcome, AuctionStatus, Bid
from auctions.services.shill import (
    PUSHER_MIN_AUCTIONS,
    PUSHER_RECENT_AUCTIONS,
    shill_pusher_check,
    shill_pusher_check_auction,
)
from auctions.signals import auction_closed
from commerce.tests.factories import ProductFactory
from moderation.models import Report, ReportReason, ReportStatus
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.reports import report_decide
from shows.tests.factories import ShowFactory
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

_refs = count()


@pytest.fixture
def seller():
    return SellerProfileFactory().user


@pytest.fixture
def show(seller):
    return ShowFactory(seller=seller)


def closed_auction(show, bids, *, winner=None, status=AuctionStatus.CLOSED, age_minutes=0):
    """An auction of `show` closed with these bids, each (bidder, price it left), in order."""
    now = timezone.now() - timedelta(minutes=age_minutes)
    auction = Auction.objects.create(
        show=show,
        product=ProductFactory(seller=show.seller),
        seller=show.seller,
        status=status,
        closed_at=now if status == AuctionStatus.CLOSED else None,
        outcome=AuctionOutcome.SOLD if winner else AuctionOutcome.NO_BIDS,
        winner=winner,
        winning_cents=bids[-1][1] if winner else None,
    )
    for seq, (bidder, price) in enumerate(bids, 1):
        Bid.objects.create(
            auction=auction,
            seq=seq,
            bidder=bidder,
            max_cents=price,
            price_cents=price,
            leader=bidder,
            client_ref=f"ref-{next(_refs)}",
            received_at=now,
        )
    return auction


def pushed(show, pusher, buyer, *, age_minutes=0):
    """The buyer wins; the pusher raised the price twice on the way (bids 2 and 4)."""
    return closed_auction(
        show,
        [(buyer, 100), (pusher, 200), (buyer, 300), (pusher, 400), (buyer, 500)],
        winner=buyer,
        age_minutes=age_minutes,
    )


def test_a_bidder_pushing_half_the_sellers_auctions_without_winning_is_flagged_once(seller, show):
    pusher, buyer = UserFactory(display_name="Pushy Pat"), UserFactory()
    for minutes in range(PUSHER_MIN_AUCTIONS):
        pushed(show, pusher, buyer, age_minutes=minutes)
    for minutes in range(PUSHER_MIN_AUCTIONS, PUSHER_RECENT_AUCTIONS):
        closed_auction(show, [(buyer, 100)], winner=buyer, age_minutes=minutes)

    flag = shill_pusher_check(seller_id=seller.pk, bidder_id=pusher.pk)

    assert flag is not None
    assert flag.reporter is None
    assert (flag.kind, flag.object_id, flag.target_user, flag.seller) == ("user", pusher.pk, pusher, seller)
    assert flag.reason == ReportReason.SHILL_BIDDING
    assert flag.status == ReportStatus.OPEN
    assert flag.details.startswith(
        f"Raised the price at least 2 times in {PUSHER_MIN_AUCTIONS} of this seller's last {PUSHER_RECENT_AUCTIONS}"
    )
    assert flag.details.count("2 bids, 2 raised the price") == PUSHER_MIN_AUCTIONS
    # Checked again (the next closed auction): the open flag stands alone.
    assert shill_pusher_check(seller_id=seller.pk, bidder_id=pusher.pk) is None
    assert shill_pusher_check_auction(auction_id=Auction.objects.first().pk) == []
    assert Report.objects.count() == 1
    # The winner bid in every auction, and won: not a pusher.
    assert shill_pusher_check(seller_id=seller.pk, bidder_id=buyer.pk) is None


def test_a_bidder_who_won_one_of_the_auctions_is_not_flagged(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(PUSHER_MIN_AUCTIONS + 2):
        pushed(show, pusher, buyer, age_minutes=minutes)
    closed_auction(show, [(buyer, 100), (pusher, 200)], winner=pusher)

    assert shill_pusher_check(seller_id=show.seller_id, bidder_id=pusher.pk) is None
    assert not Report.objects.exists()


def test_pushing_too_few_of_the_auctions_is_not_flagged(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(PUSHER_MIN_AUCTIONS - 1):
        pushed(show, pusher, buyer, age_minutes=minutes)
    for minutes in range(10, 15):
        closed_auction(show, [(buyer, 100)], winner=buyer, age_minutes=minutes)

    assert shill_pusher_check(seller_id=show.seller_id, bidder_id=pusher.pk) is None
    assert not Report.objects.exists()


def test_a_seller_with_too_few_closed_auctions_flags_nobody(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(PUSHER_MIN_AUCTIONS - 1):
        pushed(show, pusher, buyer, age_minutes=minutes)
    # Open and cancelled auctions are not part of the pattern.
    closed_auction(show, [(buyer, 100), (pusher, 200), (buyer, 300), (pusher, 400)], status=AuctionStatus.CANCELLED)

    assert shill_pusher_check(seller_id=show.seller_id, bidder_id=pusher.pk) is None
    assert not Report.objects.exists()


def test_bids_that_did_not_raise_the_price_do_not_count(show):
    bidder, buyer = UserFactory(), UserFactory()
    for minutes in range(PUSHER_RECENT_AUCTIONS):
        # The first bid opens at the starting price, the second raises the bidder's own max while
        # leading (the price stays): one raise at most, in every auction.
        closed_auction(
            show,
            [(bidder, 100), (bidder, 100), (buyer, 200), (bidder, 300), (buyer, 400)],
            winner=buyer,
            age_minutes=minutes,
        )

    assert shill_pusher_check(seller_id=show.seller_id, bidder_id=bidder.pk) is None
    assert not Report.objects.exists()


def test_only_the_sellers_last_auctions_are_read(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(100, 100 + PUSHER_MIN_AUCTIONS):
        pushed(show, pusher, buyer, age_minutes=minutes)
    for minutes in range(PUSHER_RECENT_AUCTIONS):
        closed_auction(show, [(buyer, 100)], winner=buyer, age_minutes=minutes)

    assert shill_pusher_check(seller_id=show.seller_id, bidder_id=pusher.pk) is None


def test_another_sellers_auctions_do_not_count(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(PUSHER_MIN_AUCTIONS):
        pushed(show, pusher, buyer, age_minutes=minutes)

    other_seller = SellerProfileFactory().user
    assert shill_pusher_check(seller_id=other_seller.pk, bidder_id=pusher.pk) is None
    assert not Report.objects.exists()


def test_a_closed_auction_has_its_bidders_checked_and_a_dismissed_flag_can_be_raised_again(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(1, PUSHER_MIN_AUCTIONS):
        pushed(show, pusher, buyer, age_minutes=minutes)
    last = pushed(show, pusher, buyer)

    # Sent by the bid engine after the close commits; the receiver queues the check (eager in tests).
    auction_closed.send(sender=Auction, auction_id=last.pk)

    [flag] = Report.objects.all()
    assert flag.target_user == pusher
    moderator = staff_moderator_appoint(user=UserFactory())
    report_decide(actor=moderator, report_id=flag.pk, status=ReportStatus.DISMISSED)
    # Nobody reported it, so nobody is told about the decision.
    assert not Notification.objects.filter(title__contains="report").exists()

    auction_closed.send(sender=Auction, auction_id=pushed(show, pusher, buyer).pk)

    assert Report.objects.filter(status=ReportStatus.OPEN, target_user=pusher).count() == 1
    assert Report.objects.count() == 2


def test_an_auction_not_closed_checks_nobody(show):
    pusher, buyer = UserFactory(), UserFactory()
    for minutes in range(PUSHER_MIN_AUCTIONS):
        pushed(show, pusher, buyer, age_minutes=minutes)
    still_open = closed_auction(show, [(pusher, 100)], status=AuctionStatus.OPEN)

    assert shill_pusher_check_auction(auction_id=still_open.pk) == []
    assert shill_pusher_check_auction(auction_id=999_999) == []
    assert not Report.objects.exists()


def test_a_broker_outage_does_not_fail_the_close(show, monkeypatch):
    from auctions import receivers_shill

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(receivers_shill.shill_pusher_check_task, "delay", broker_down)

    auction_closed.send(sender=Auction, auction_id=closed_auction(show, [(UserFactory(), 100)]).pk)

    assert not Report.objects.exists()


def test_moderators_see_the_flag_and_its_evidence_in_the_queue(client, show):
    pusher, buyer = UserFactory(display_name="Pushy Pat"), UserFactory()
    auctions = [pushed(show, pusher, buyer, age_minutes=minutes) for minutes in range(PUSHER_MIN_AUCTIONS)]
    flag = shill_pusher_check(seller_id=show.seller_id, bidder_id=pusher.pk)
    assert flag is not None
    client.force_login(staff_moderator_appoint(user=UserFactory()))

    listing = client.get(reverse("admin:moderation_report_changelist") + "?reason__exact=shill_bidding")
    page = client.get(reverse("admin:moderation_report_change", args=[flag.pk]))

    assert listing.status_code == 200
    assert "Tokshop (automatic flag)" in listing.content.decode()
    assert "Shill bidding" in listing.content.decode()
    text = page.content.decode()
    assert "Pushy Pat" in text
    for auction in auctions:
        assert f"Auction {auction.pk} “{auction.product.title}”" in text
    assert "2 bids, 2 raised the price" in text
