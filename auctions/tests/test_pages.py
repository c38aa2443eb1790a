"""The auction pages: a show's auctions with their bids, a buyer's auctions, a seller's increments,
and the auction parts of the room and the console."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.tests.factories import ProductFactory
from shows.models import Visibility
from shows.tests.factories import LineupItemFactory, ShowFactory
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from ..increments import DEFAULT_INCREMENTS
from ..models import Auction, AuctionOutcome, AuctionStatus, Bid, SellerAuctionDefaults
from ..selectors import auction_rows_for_bidder
from .factories import AuctionFactory

pytestmark = pytest.mark.django_db


def lineup_product(title: str, *, show):
    product = ProductFactory(seller=show.seller, title=title)
    LineupItemFactory(show=show, product=product)
    return product


def bid(auction: Auction, seq: int, bidder, *, max_cents: int, price_cents: int, leader=None) -> Bid:
    return Bid.objects.create(
        auction=auction,
        seq=seq,
        bidder=bidder,
        max_cents=max_cents,
        price_cents=price_cents,
        leader=leader or bidder,
        client_ref=f"ref-{seq}",
        received_at=timezone.now() + timedelta(seconds=seq),
    )


def sold(auction: Auction, winner, price: int) -> None:
    Auction.objects.filter(pk=auction.pk).update(
        status=AuctionStatus.CLOSED,
        outcome=AuctionOutcome.SOLD,
        winner=winner,
        winning_cents=price,
        price_cents=price,
        leader=winner,
        bid_count=2,
        closed_at=timezone.now(),
    )


@pytest.fixture
def duel():
    """A closed auction Ada won at $9 against Ben's $8 max (her max was $25)."""
    ada = UserFactory(display_name="Ada Lovelace")
    ben = UserFactory(display_name="Ben Okafor")
    show = ShowFactory(live=True)
    auction = AuctionFactory(show=show, product=lineup_product("Leica M3", show=show), starting_cents=500)
    bid(auction, 1, ben, max_cents=800, price_cents=500)
    bid(auction, 2, ada, max_cents=2500, price_cents=900)
    sold(auction, ada, 900)
    return auction, ada, ben


def test_a_shows_auctions_list_outcome_winner_and_prices_never_maxes(client, duel):
    auction, _ada, _ben = duel

    response = client.get(reverse("auctions:show", args=[auction.show_id]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Leica M3" in page
    assert "Ada Lovelace" in page
    assert "Ben Okafor" in page
    assert "$9.00" in page
    assert "$5.00" in page
    assert "$25.00" not in page
    assert "$8.00" not in page
    assert page.count('data-testid="bid-row"') == 2


def test_a_shows_auctions_are_refused_to_those_who_may_not_watch_it(client, duel):
    auction, _ada, ben = duel
    auction.show.visibility = Visibility.FOLLOWERS
    auction.show.save(update_fields=["visibility"])
    client.force_login(ben)

    assert client.get(reverse("auctions:show", args=[auction.show_id])).status_code == 403
    assert client.get(reverse("auctions:show", args=[auction.show_id + 1000])).status_code == 404


def test_a_buyer_sees_their_own_max_and_how_each_auction_ended(client, duel):
    auction, ada, ben = duel
    other = ShowFactory(live=True)
    waiting = AuctionFactory(show=other, product=lineup_product("Rolleiflex", show=other), starting_cents=300)
    bid(waiting, 1, ben, max_cents=700, price_cents=300)
    Auction.objects.filter(pk=waiting.pk).update(status=AuctionStatus.OPEN, leader=ben, price_cents=300, bid_count=1)

    rows = auction_rows_for_bidder(user_id=ben.pk)

    assert [(r.auction.pk, r.your_max_cents, r.price_cents, r.standing) for r in rows] == [
        (waiting.pk, 700, 300, "leading"),
        (auction.pk, 800, 900, "lost"),
    ]
    assert [(r.your_max_cents, r.standing) for r in auction_rows_for_bidder(user_id=ada.pk)] == [(2500, "won")]

    client.force_login(ben)
    page = client.get(reverse("auctions:account")).content.decode()
    assert page.count('data-testid="bidder-auction-row"') == 2
    assert "$8.00" in page
    assert "$25.00" not in page


def test_the_account_page_asks_to_sign_in(client):
    response = client.get(reverse("auctions:account"))
    assert response.status_code == 302
    assert reverse("users:login") in response["Location"]


def test_a_seller_replaces_their_increment_table(client):
    seller = SellerProfileFactory().user
    client.force_login(seller)
    url = reverse("auctions:seller_increments")

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["from_1"].value() == DEFAULT_INCREMENTS[1][0] / 100

    response = client.post(url, {"from_0": "0", "step_0": "0.50", "from_1": "20", "step_1": "2"})

    assert response.status_code == 302
    assert SellerAuctionDefaults.objects.get(seller=seller).increments == [[0, 50], [2000, 200]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"from_0": "5", "step_0": "1"}, "The first band starts at 0."),
        ({"from_0": "0", "step_0": "1", "from_1": "0", "step_1": "2"}, "Bands go up"),
        ({"from_0": "0", "step_0": "1", "from_1": "20"}, "Fill in both, or neither."),
        ({"from_0": "0", "step_0": "0"}, "greater than or equal to 0.01"),
        ({}, "Give at least one band"),
    ],
)
def test_a_bad_increment_table_is_refused_and_nothing_is_saved(client, data, message):
    seller = SellerProfileFactory().user
    client.force_login(seller)

    response = client.post(reverse("auctions:seller_increments"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SellerAuctionDefaults.objects.filter(seller=seller).exists()


def test_the_increment_page_is_for_sellers(client):
    client.force_login(UserFactory())
    response = client.get(reverse("auctions:seller_increments"))
    assert response.status_code == 302
    assert response["Location"] == reverse("users:shop")


def test_the_room_has_the_auction_panel_and_the_console_lists_waiting_auctions(client):
    show = ShowFactory(live=True)
    waiting = AuctionFactory(show=show, product=lineup_product("Hasselblad 500C", show=show))
    AuctionFactory(show=show, status=AuctionStatus.CANCELLED, product=lineup_product("Withdrawn lens", show=show))

    room = client.get(show.get_absolute_url()).content.decode()
    assert "data-auction-room" in room
    assert "Sign in to bid" in room

    client.force_login(show.seller)
    console = client.get(reverse("shows:console", args=[show.pk])).content.decode()
    assert f'data-waiting="{waiting.pk}"' in console
    assert "Hasselblad 500C" in console
    assert "Withdrawn lens" not in console.split("data-console-waiting-list")[1].split("</ul>")[0]
