"""Staff read auctions, bids, offers and strikes in the admin, and cancel an auction without bids
through the service."""

import pytest
from django.urls import reverse

from shows.tests.factories import LineupItemFactory, ShowFactory
from tokshop.users.tests.factories import UserFactory

from ..models import Auction, AuctionEventKind, AuctionOffer, AuctionStatus, Bid, BidderStrike, SellerAuctionDefaults
from ..services.auctions import auction_create, now_ms
from ..services.bidding import bid_place_sync, bid_request
from .factories import AuctionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", [Auction, Bid, AuctionOffer, BidderStrike, SellerAuctionDefaults])
def test_every_auctions_list_opens_with_its_search(admin_client, model):
    auction = AuctionFactory()
    url = reverse(f"admin:auctions_{model._meta.model_name}_changelist")
    assert admin_client.get(url, {"q": "lamp"}).status_code == 200
    assert admin_client.get(reverse("admin:auctions_auction_change", args=[auction.pk])).status_code == 200


def test_staff_cancel_an_auction_without_bids_and_one_with_bids_is_reported(admin_client):
    show = ShowFactory(live=True)
    first, second = (LineupItemFactory(show=show, product__quantity_on_hand=1).product for _ in range(2))
    running = auction_create(actor=show.seller, show_id=show.pk, product_id=first.pk, data={}, open_now=True)
    request = bid_request(
        user_id=UserFactory().pk, auction_id=running.pk, amount=100, ref="r", received_ms=now_ms(), source="api"
    )
    bid_place_sync(request)
    waiting = auction_create(actor=show.seller, show_id=show.pk, product_id=second.pk, data={}, open_now=False)
    url = reverse("admin:auctions_auction_changelist")

    admin_client.post(url, {"action": "cancel", "_selected_action": [waiting.pk]})
    response = admin_client.post(url, {"action": "cancel", "_selected_action": [running.pk]}, follow=True)

    waiting.refresh_from_db()
    assert waiting.status == AuctionStatus.CANCELLED
    assert waiting.events.filter(kind=AuctionEventKind.CANCELLED).exists()
    assert Auction.objects.get(pk=running.pk).status == AuctionStatus.OPEN
    assert "can no longer be cancelled" in response.content.decode()
