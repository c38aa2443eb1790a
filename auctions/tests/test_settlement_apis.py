"""Settlement's API and pages: the seller's timeline, a buyer's offers, accepting and turning down."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from auctions.models import AuctionOffer, OfferStatus
from auctions.services.settlement import settlement_start, settlements_sweep
from commerce.models import Order, OrderStatus
from commerce.tests.factories import ADDRESS
from tokshop.users.tests.factories import UserFactory

from .factories_settlement import auction_closed_with_bids
from .test_settlement import bidders, kinds

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def chance(django_capture_on_commit_callbacks: Any) -> AuctionOffer:
    """The winner had no card and let the window pass: the runner-up (no address on file) is offered it."""
    [winner] = bidders(1)
    [second] = bidders(1, address=False)
    auction = auction_closed_with_bids([(second, 1000), (winner, 1500)], winning_cents=1100)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)
    first = AuctionOffer.objects.get(auction=auction)
    assert first.pay_by is not None
    with django_capture_on_commit_callbacks(execute=True):
        settlements_sweep(now=first.pay_by + timedelta(seconds=1))
    return AuctionOffer.objects.get(auction=auction, rank=2)


def test_the_seller_reads_the_timeline_oldest_first(chance):
    auction = chance.auction
    response = api(auction.seller).get(reverse("api:seller-auction-events", args=[auction.pk]))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["kind"] for row in rows] == ["offered", "payment_asked", "expired", "strike", "offered"]
    assert rows[-1]["data"] == {
        "offer_id": chance.pk,
        "rank": 2,
        "buyer_id": chance.buyer_id,
        "amount_cents": 1000,
        "order_id": None,
    }
    assert rows[0]["actor"] is None


def test_the_timeline_is_for_sellers(chance):
    response = api(chance.buyer).get(reverse("api:seller-auction-events", args=[chance.auction_id]))
    assert response.status_code == 403


def test_a_buyer_lists_their_offers_and_accepts_one_with_an_address(chance, django_capture_on_commit_callbacks):
    client = api(chance.buyer)
    [row] = client.get(reverse("api:auction-offers")).json()["results"]
    assert (row["id"], row["status"], row["amount_cents"], row["is_second_chance"], row["pay_url"]) == (
        chance.pk,
        "offered",
        1000,
        True,
        None,
    )

    refused = client.post(reverse("api:auction-offer-accept", args=[chance.pk]), {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "address_required")
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.OFFERED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:auction-offer-accept", args=[chance.pk]), {"shipping": ADDRESS}, format="json"
        )

    assert response.status_code == 200
    body = response.json()
    order = Order.objects.get(auction_offer__pk=chance.pk)
    # The answer comes before the charge task runs; without a saved card it then awaits payment.
    assert (body["status"], body["order_id"], body["pay_url"]) == ("charging", order.pk, order.get_absolute_url())
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.AWAITING_PAYMENT
    assert order.status == OrderStatus.PENDING_PAYMENT
    again = client.post(reverse("api:auction-offer-accept", args=[chance.pk]), {}, format="json")
    assert (again.status_code, again.json()["order_id"]) == (200, order.pk)
    assert Order.objects.filter(auction_offer__isnull=False).count() == 2  # the winner's, cancelled, and this


def test_accepting_an_expired_offer_is_409_and_changes_nothing(chance):
    AuctionOffer.objects.filter(pk=chance.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
    before = kinds(chance.auction)
    client = api(chance.buyer)
    for name in ("api:auction-offer-accept", "api:auction-offer-refuse"):
        response = client.post(reverse(name, args=[chance.pk]), {"shipping": ADDRESS}, format="json")
        assert (response.status_code, response.json()["code"]) == (409, "offer_expired")
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.OFFERED
    assert kinds(chance.auction) == before
    assert not Order.objects.filter(buyer=chance.buyer).exists()


def test_turning_down_over_the_api_moves_on_and_a_second_refusal_changes_nothing(chance):
    client = api(chance.buyer)
    response = client.post(reverse("api:auction-offer-refuse", args=[chance.pk]))
    assert (response.status_code, response.json()["status"]) == (200, "refused")
    again = client.post(reverse("api:auction-offer-refuse", args=[chance.pk]))
    assert (again.status_code, again.json()["status"]) == (200, "refused")
    assert kinds(chance.auction)[-2:] == ["refused", "unsold"]


def test_another_users_offer_is_404_over_the_api(chance):
    response = api(UserFactory()).post(reverse("api:auction-offer-accept", args=[chance.pk]), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.OFFERED


# --- Pages -------------------------------------------------------------------------------------------


def test_the_seller_page_shows_the_result_offers_and_timeline(client, chance):
    client.force_login(chance.auction.seller)
    page = client.get(reverse("auctions:seller_auction", args=[chance.auction_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="offer-row"') == 2
    assert html.count('data-testid="timeline-row"') == 5
    assert "Second chance at $10.00" in html
    assert "Strike" in html


def test_the_offer_page_asks_for_the_address_then_sends_the_buyer_to_pay(
    client, chance, django_capture_on_commit_callbacks
):
    client.force_login(chance.buyer)
    page = client.get(chance.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="offer-accept"' in html
    assert 'data-testid="offer-refuse"' in html
    assert 'name="shipping_line1"' in html

    missing = client.post(reverse("auctions:offer_accept", args=[chance.pk]), {"shipping_name": "Ada"})
    assert missing.status_code == 400
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.OFFERED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("auctions:offer_accept", args=[chance.pk]), ADDRESS)

    assert response.status_code == 302
    assert response["Location"] == chance.get_absolute_url()
    order = Order.objects.get(auction_offer__pk=chance.pk)
    assert order.shipping_line1 == ADDRESS["shipping_line1"]
    paying = client.get(chance.get_absolute_url()).content.decode()
    assert 'data-testid="offer-pay"' in paying


def test_the_offer_page_turns_the_offer_down(client, chance):
    client.force_login(chance.buyer)
    response = client.post(reverse("auctions:offer_refuse", args=[chance.pk]))
    assert response.status_code == 302
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.REFUSED
    assert "You turned this offer down." in client.get(chance.get_absolute_url()).content.decode()
