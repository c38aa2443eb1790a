"""The auctions API: the host's controls, bidding and buying now, the history, the increment table."""

import pytest
from rest_framework.test import APIClient

from shows.models import Follow, Visibility
from shows.tests.factories import LineupItemFactory, ShowFactory
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from ..models import Auction, AuctionOutcome, Bid

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def live_lot():
    show = ShowFactory(live=True)
    return show, LineupItemFactory(show=show, product__quantity_on_hand=2).product


def start(show, product, **settings):
    response = client_for(show.seller).post(
        f"/api/v1/shows/{show.pk}/auctions/", {"product_id": product.pk, **settings}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_host_starts_an_auction_and_buyers_bid_over_the_api(live_lot):
    show, product = live_lot
    auction = start(show, product, starting_cents=200, buy_now_cents=5000)
    assert (auction["status"], auction["next_minimum_cents"], auction["has_reserve"]) == ("open", 200, False)
    alice, bob = UserFactory(), UserFactory()

    first = client_for(alice).post(
        f"/api/v1/auctions/{auction['id']}/bids/", {"amount_cents": 700, "ref": "a-1"}, format="json"
    )
    assert first.status_code == 201
    assert first.json() | {"ends_at": 0} == {
        "auction_id": auction["id"],
        "bid_count": 1,
        "price_cents": 200,
        "leading": True,
        "outcome": "leading",
        "your_max_cents": 700,
        "ends_at": 0,
        "next_minimum_cents": 300,
        "replayed": False,
    }
    second = client_for(bob).post(
        f"/api/v1/auctions/{auction['id']}/bids/", {"amount_cents": 500, "ref": "b-1"}, format="json"
    )
    assert (second.json()["outcome"], second.json()["price_cents"]) == ("outbid", 600)

    detail = client_for(alice).get(f"/api/v1/auctions/{auction['id']}/").json()
    assert (detail["price_cents"], detail["your_max_cents"], detail["you_lead"]) == (600, 700, True)
    history = APIClient().get(f"/api/v1/auctions/{auction['id']}/bids/").json()
    assert [(b["seq"], b["bidder_name"], b["price_cents"]) for b in history] == [
        (2, bob.display_name, 600),
        (1, alice.display_name, 200),
    ]
    assert "max_cents" not in history[0]

    bought = client_for(bob).post(f"/api/v1/auctions/{auction['id']}/buy-now/", {"ref": "b-2"}, format="json")
    assert bought.status_code == 201
    assert bought.json()["outcome"] == "bought_now"
    closed = Auction.objects.get(pk=auction["id"])
    assert (closed.status, closed.outcome, closed.winner_id, closed.winning_cents) == (
        "closed",
        AuctionOutcome.BOUGHT_NOW,
        bob.pk,
        5000,
    )
    mine = client_for(bob).get("/api/v1/me/auctions/").json()["results"]
    assert [(a["id"], a["won"], a["your_max_cents"]) for a in mine] == [(auction["id"], True, 5000)]


def test_refusals_carry_their_code_and_change_nothing(live_lot):
    show, product = live_lot
    auction = start(show, product, starting_cents=1000)
    buyer = UserFactory()
    url = f"/api/v1/auctions/{auction['id']}/bids/"
    cases = [
        ({"amount_cents": 900, "ref": "r1"}, 409, "too_low"),
        ({"amount_cents": 6000, "ref": "r2"}, 409, "confirm_required"),
        ({"amount_cents": -1, "ref": "r3"}, 400, "invalid_amount"),
        ({"amount_cents": "12", "ref": "r4"}, 400, "invalid_amount"),
        ({"amount_cents": 1000, "ref": "r5", "bidder_id": show.seller.pk}, 400, "invalid"),
        ({"amount_cents": 1000, "ref": "bad ref"}, 400, "invalid_bid"),
    ]
    for body, status, code in cases:
        response = client_for(buyer).post(url, body, format="json")
        assert (response.status_code, response.json()["code"]) == (status, code), body
    assert (
        client_for(show.seller).post(url, {"amount_cents": 1000, "ref": "s"}, format="json").json()["code"] == "own_lot"
    )
    assert APIClient().post(url, {"amount_cents": 1000, "ref": "x"}, format="json").status_code in (401, 403)
    assert (
        client_for(buyer)
        .post("/api/v1/auctions/999999/bids/", {"amount_cents": 1000, "ref": "x"}, format="json")
        .status_code
        == 404
    )
    assert not Bid.objects.exists()
    # The unexpected field is named in the refusal.
    smuggled = client_for(buyer).post(url, {"amount_cents": 1000, "ref": "r6", "price_cents": 1}, format="json")
    assert "price_cents" in smuggled.json()["fields"]


def test_followers_only_auctions_and_hidden_shows(live_lot):
    show, product = live_lot
    auction = start(show, product, eligibility="followers")
    buyer = UserFactory()
    url = f"/api/v1/auctions/{auction['id']}/bids/"
    refused = client_for(buyer).post(url, {"amount_cents": 100, "ref": "f1"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    Follow.objects.create(follower=buyer, seller=show.seller)
    assert client_for(buyer).post(url, {"amount_cents": 100, "ref": "f1"}, format="json").status_code == 201

    hidden = ShowFactory(live=True, visibility=Visibility.FOLLOWERS)
    lot = LineupItemFactory(show=hidden, product__quantity_on_hand=1).product
    secret = start(hidden, lot)
    assert APIClient().get(f"/api/v1/auctions/{secret['id']}/").status_code == 403
    assert client_for(UserFactory()).get(f"/api/v1/shows/{hidden.pk}/auctions/").status_code == 403


def test_the_host_controls(live_lot):
    show, product = live_lot
    waiting = start(show, product, open_now=False, allow_prebids=True)
    assert waiting["status"] == "scheduled"
    buyer = UserFactory()
    prebid = client_for(buyer).post(
        f"/api/v1/auctions/{waiting['id']}/bids/", {"amount_cents": 300, "ref": "p1"}, format="json"
    )
    assert (prebid.status_code, prebid.json()["ends_at"]) == (201, 0)
    assert client_for(show.seller).post(f"/api/v1/auctions/{waiting['id']}/cancel/").json()["code"] == "has_bids"
    opened = client_for(show.seller).post(f"/api/v1/auctions/{waiting['id']}/open/").json()
    assert (opened["status"], opened["price_cents"], opened["bid_count"]) == ("open", 100, 1)
    assert opened["ends_at"] > 0

    other = LineupItemFactory(show=show, product__quantity_on_hand=1).product
    busy = client_for(show.seller).post(f"/api/v1/shows/{show.pk}/auctions/", {"product_id": other.pk}, format="json")
    assert (busy.status_code, busy.json()["code"]) == (409, "auction_running")
    later = start(show, other, open_now=False)
    cancelled = client_for(show.seller).post(f"/api/v1/auctions/{later['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"


def test_a_seller_replaces_the_increment_table():
    seller = SellerProfileFactory().user
    client = client_for(seller)
    assert client.get("/api/v1/seller/auction-increments/").json()["increments"][0] == [0, 100]
    table = [[0, 50], [1000, 100]]
    assert client.put("/api/v1/seller/auction-increments/", {"increments": table}, format="json").json() == {
        "increments": table
    }
    bad = client.put("/api/v1/seller/auction-increments/", {"increments": [[10, 50]]}, format="json")
    assert (bad.status_code, bad.json()["fields"]["increments"]) == (400, ["The first band starts at 0."])
    show = ShowFactory(live=True, seller=seller)
    lot = LineupItemFactory(show=show, product__quantity_on_hand=1).product
    assert start(show, lot)["increments"] == table
    assert client_for(UserFactory()).get("/api/v1/seller/auction-increments/").status_code == 403
