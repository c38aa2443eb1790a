"""Auctions demo data for `manage.py seed_demo`, made through the real services in the demo live
show: one finished (sold, with its bid history), one running with bids, and one waiting with
pre-bids that the seller opens from the console whenever they like. Each lot is made once."""

from collections.abc import Callable

from shows.demo_data import CLEO, demo_live_show
from shows.models import Show
from tokshop.core.demo import DEMO_BUYER, DEMO_SELLER
from tokshop.users.models import User

from .engine import engine
from .models import Auction
from .services.auctions import auction_close_due, auction_create, auction_finish, now_ms
from .services.bidding import bid_place_sync, bid_request

DEV = "dev@tokshop.demo"
# The lots, by SKU: the finished one, the running one (its countdown runs five minutes from the
# seeding, the longest an auction runs), and the one waiting with pre-bids.
FINISHED_SKU, RUNNING_SKU, WAITING_SKU = "VV-002", "VV-008", "VV-001"


def _lot(show: Show, sku: str) -> int | None:
    """The product of that SKU in the show's lineup, if no auction was made of it there yet."""
    item = show.lineup.filter(product__sku=sku).values_list("product_id", flat=True).first()
    if item is None or Auction.objects.filter(show=show, product_id=item).exists():
        return None
    return item


def _bids(auction: Auction, bids: list[tuple[str, int]]) -> None:
    for n, (email, amount) in enumerate(bids):
        request = bid_request(
            user_id=User.objects.get(email=email).pk,
            auction_id=auction.pk,
            amount=amount,
            ref=f"demo-{auction.pk}-{n}",
            received_ms=now_ms(),
            confirm=True,
            source="api",
        )
        bid_place_sync(request)


def ensure_finished_auction() -> None:
    show = demo_live_show()
    seller = User.objects.get(email=DEMO_SELLER)
    product_id = _lot(show, FINISHED_SKU)
    if product_id is None or Auction.objects.open().filter(show=show).exists():
        return
    data = {"starting_cents": 5000, "duration_seconds": 30, "reserve_cents": 12000}
    auction = auction_create(actor=seller, show_id=show.pk, product_id=product_id, data=data, open_now=True)
    _bids(auction, [(CLEO, 9000), (DEV, 11000), (CLEO, 14000), (DEV, 16500), (DEMO_BUYER, 15000)])
    # The demo's history should not wait out the countdown: the engine is told the end has come.
    live = engine().live(auction.pk)
    if live is not None and engine().close(auction.pk, now=live.ends_at):
        auction_finish(auction_id=auction.pk)


def ensure_running_auction() -> None:
    show = demo_live_show()
    seller = User.objects.get(email=DEMO_SELLER)
    stale = Auction.objects.open().filter(show=show).values_list("pk", flat=True)
    for auction_id in stale:
        auction_close_due(auction_id=auction_id)
    product_id = _lot(show, RUNNING_SKU)
    if product_id is None or Auction.objects.open().filter(show=show).exists():
        return
    data = {"starting_cents": 2000, "duration_seconds": 300, "buy_now_cents": 20000, "window_seconds": 15}
    auction = auction_create(actor=seller, show_id=show.pk, product_id=product_id, data=data, open_now=True)
    _bids(auction, [(DEV, 3500), (CLEO, 4200)])


def ensure_waiting_auction() -> None:
    show = demo_live_show()
    seller = User.objects.get(email=DEMO_SELLER)
    product_id = _lot(show, WAITING_SKU)
    if product_id is None:
        return
    data = {"starting_cents": 8000, "duration_seconds": 60, "allow_prebids": True}
    auction = auction_create(actor=seller, show_id=show.pk, product_id=product_id, data=data, open_now=False)
    _bids(auction, [(DEMO_BUYER, 12000), (DEV, 9500)])


def demo_steps() -> list[tuple[str, Callable[[], None]]]:
    return [
        ("a finished auction with its bids", ensure_finished_auction),
        ("an auction running in the live show", ensure_running_auction),
        ("an auction taking pre-bids", ensure_waiting_auction),
    ]
