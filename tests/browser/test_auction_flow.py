"""A host in headless Chromium starts a soft-close auction from the console; two buyers bid against
each other from the room, one is outbid, a bid in the last seconds moves the end on every page, the
auction closes by itself at its end, and each page shows who won. The winner pays for the lot from
their auctions page and the order shows as paid; the history pages (the show's, each buyer's) and the
seller's increment table follow. Desktop and 390 px."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from auctions.models import (
    Auction,
    AuctionOffer,
    AuctionOutcome,
    AuctionStatus,
    Bid,
    OfferStatus,
    SellerAuctionDefaults,
)
from commerce.models import OrderStatus
from commerce.payments import TEST_CARD_SUCCESS
from commerce.tests.factories import ProductFactory
from shows.tests.factories import LineupItemFactory, ShowFactory
from tests.browser.helpers import DESKTOP, PHONE, console_errors, shoot, sign_in, viewport_name
from tests.processes import asgi_server, free_port
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def auction_site(tmp_path: Path) -> Iterator[str]:
    """The site with the auction clock running in the server, so auctions close by themselves."""
    port = free_port()
    with asgi_server(
        "browser",
        port=port,
        AUCTION_CLOCK="thread",
        TEST_MAILBOX_DIR=str(tmp_path / "mailbox"),
        SITE_URL=f"http://127.0.0.1:{port}",
    ) as address:
        yield f"http://{address}"


def open_page(browser: Browser, viewport: ViewportSize, base: str, url: str, *, email: str | None = None):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = console_errors(page)
    # Uncaught exceptions too: a part's handler failing is reported this way, not as a console line.
    page.on("pageerror", lambda error: errors.append(str(error)))
    if email:
        sign_in(page, base, email=email, password=PASSWORD)
    page.goto(f"{base}{url}")
    return context, page, errors


def ends_at(page: Page) -> int:
    value = page.get_by_test_id("room-auction").locator("[data-auction-card]").get_attribute("data-ends-at")
    assert value
    return int(value)


# The auction itself runs for about half a minute (20 s, then a 5 s extension) on top of five pages.
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_two_buyers_bid_a_late_bid_extends_the_end_and_the_auction_closes_by_itself(
    browser: Browser, auction_site: str, viewport: ViewportSize
) -> None:
    base = auction_site
    kind = viewport_name(viewport)
    seller = SellerProfileFactory.create(shop_name="Film Corner").user
    show = ShowFactory.create(seller=seller, title="Camera night", live=True)
    item = LineupItemFactory.create(
        show=show, product=ProductFactory.create(seller=seller, title="Rolleiflex camera", quantity_on_hand=1)
    )
    lens = LineupItemFactory.create(
        show=show, product=ProductFactory.create(seller=seller, title="Planar lens", quantity_on_hand=1)
    )
    ada = UserFactory.create(display_name="Ada Lovelace")
    ben = UserFactory.create(display_name="Ben Okafor")
    room_url = show.get_absolute_url()

    host_ctx, host, host_errors = open_page(
        browser, viewport, base, f"/seller/shows/{show.pk}/console/", email=seller.email
    )
    expect(host.get_by_test_id("console")).to_have_attribute("data-connection", "open")
    a_ctx, a, a_errors = open_page(browser, viewport, base, room_url, email=ada.email)
    b_ctx, b, b_errors = open_page(browser, viewport, base, room_url, email=ben.email)
    anon_ctx, anon, anon_errors = open_page(browser, viewport, base, room_url)
    for page in (a, b, anon):
        expect(page.get_by_test_id("room")).to_have_attribute("data-connection", "open")

    # The host lines up the lens to open later, taking pre-bids; Ada pre-bids from the room.
    host.get_by_role("tab", name="Auction").click()
    form = host.get_by_test_id("console-auction-form")
    form.locator("select[name=product_id]").select_option(str(lens.product_id))
    form.locator("[name=starting]").fill("3")
    form.locator("select[name=when]").select_option("later_prebids")
    host.get_by_test_id("start-auction").click()
    waiting = host.locator("[data-console-waiting-list] [data-waiting]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Planar lens")
    prebid = a.locator("[data-auction-prebid-list] [data-prebid]")
    expect(prebid).to_contain_text("Starts at $3.00")
    prebid.locator("input").fill("4")
    prebid.get_by_role("button", name="Pre-bid").click()
    expect(prebid).to_contain_text("your max $4.00, leading")
    expect(b.locator("[data-auction-prebid-list] [data-prebid]")).to_contain_text("1 pre-bid")
    shoot(a, f"auction-{kind}-0-room-prebid")

    # The host starts a soft-close auction of the Rolleiflex from the console.
    form.locator("select[name=when]").select_option("now")
    form.locator("select[name=product_id]").select_option(str(item.product_id))
    form.locator("[name=starting]").fill("5")
    form.locator("[name=duration_seconds]").fill("20")
    form.locator("[name=window_seconds]").fill("5")
    form.locator("[name=max_extensions]").fill("3")
    shoot(host, f"auction-{kind}-1-console-form")
    host.get_by_test_id("start-auction").click()
    expect(host.get_by_test_id("console-auction-price")).to_have_text("Starts at $5.00")
    expect(host.get_by_test_id("console-auction-cancel")).to_be_visible()

    for page in (a, b):
        expect(page.get_by_test_id("auction-bid-0")).to_have_text("Bid $5.00")
        expect(page.get_by_test_id("auction-bid-1")).to_have_text("Bid $6.00")
        expect(page.get_by_test_id("auction-bid-2")).to_have_text("Bid $7.00")
    expect(anon.get_by_test_id("auction-sign-in")).to_be_visible()
    expect(anon.get_by_test_id("auction-bid-0")).to_have_count(0)
    shoot(anon, f"auction-{kind}-2-room-signed-out")

    # Ada opens at $5; Ben bids $6 and leads; Ada is told she was outbid.
    a.get_by_test_id("auction-bid-0").click()
    expect(a.get_by_test_id("auction-state")).to_have_text("You're winning")
    expect(b.get_by_test_id("auction-leader")).to_have_text("Ada Lovelace")
    expect(b.get_by_test_id("auction-bid-0")).to_have_text("Bid $6.00")
    expect(host.get_by_test_id("console-auction-cancel")).to_be_hidden()
    b.get_by_test_id("auction-bid-0").click()
    expect(b.get_by_test_id("auction-state")).to_have_text("You're winning")
    expect(b.get_by_test_id("auction-yourmax")).to_have_text("$6.00")
    expect(a.get_by_test_id("auction-state")).to_have_text("Outbid: bid again to lead")
    expect(a.get_by_test_id("auction-message")).to_have_text("You've been outbid: the price is $6.00.")
    expect(a.get_by_test_id("auction-price")).to_have_text("$6.00")
    bids = host.get_by_test_id("console-bid-list").locator("li")
    expect(bids).to_have_count(2)
    expect(bids.first).to_contain_text("Ben Okafor")
    shoot(a, f"auction-{kind}-3-room-outbid")
    shoot(host, f"auction-{kind}-3-console-bids")

    # A max far above the price asks first; cancelling places nothing.
    b.get_by_test_id("auction-amount").fill("500")
    b.get_by_test_id("auction-place-max").click()
    expect(b.get_by_test_id("auction-confirm-ok")).to_be_visible()
    shoot(b, f"auction-{kind}-4-room-confirm")
    b.get_by_test_id("auction-confirm-cancel").click()
    expect(b.get_by_test_id("auction-yourmax")).to_have_text("$6.00")

    # Too low is refused with the least that would do.
    a.get_by_test_id("auction-amount").fill("6")
    a.get_by_test_id("auction-place-max").click()
    expect(a.get_by_test_id("auction-message")).to_have_text("Too low: the least you can bid now is $7.00.")

    # In the last five seconds Ada bids again: the end moves on every page.
    expect(a.get_by_test_id("auction-clock")).to_have_text(re.compile(r"^0:0[2-4]$"), timeout=30_000)
    before = ends_at(b)
    a.get_by_test_id("auction-bid-0").click()
    expect(a.get_by_test_id("auction-state")).to_have_text("You're winning")
    expect(b.get_by_test_id("room-auction").locator("[data-auction-card]")).not_to_have_attribute(
        "data-ends-at", str(before)
    )
    assert ends_at(b) > before
    expect(b.locator("[data-auction-note]")).to_contain_text("extended 1 time")
    expect(host.get_by_test_id("console-auction-count")).to_have_text("3")

    # Nobody bids again: the server closes the auction at its end, and every page says who won.
    result_a = a.get_by_test_id("auction-result")
    expect(result_a).to_contain_text("You won!", timeout=20_000)
    expect(result_a.get_by_role("link", name="Go to your auctions")).to_be_visible()
    expect(b.get_by_test_id("auction-result")).to_contain_text("Sold to Ada Lovelace for $7.00")
    expect(anon.get_by_test_id("auction-result")).to_contain_text("Sold to Ada Lovelace for $7.00")
    expect(host.get_by_test_id("console-auction-result")).to_have_text("Sold to Ada Lovelace for $7.00.")
    expect(a.get_by_test_id("auction-clock")).to_have_text("Ended")
    shoot(a, f"auction-{kind}-5-room-won")
    shoot(b, f"auction-{kind}-5-room-lost")
    shoot(host, f"auction-{kind}-5-console-result")

    # The host opens the lens: Ada's pre-bid leads it.
    waiting.get_by_role("button", name="Open").click()
    expect(waiting).to_have_count(0)
    expect(a.get_by_test_id("auction-state")).to_have_text("You're winning")
    expect(a.get_by_test_id("auction-yourmax")).to_have_text("$4.00")
    expect(b.get_by_test_id("auction-price")).to_have_text("$3.00")
    expect(b.get_by_test_id("auction-bid-0")).to_have_text("Bid $4.00")
    shoot(host, f"auction-{kind}-6-console-prebid-lot")

    auction = Auction.objects.get(show=show, product=item.product)
    assert (auction.status, auction.outcome, auction.winner_id, auction.winning_cents) == (
        AuctionStatus.CLOSED,
        AuctionOutcome.SOLD,
        ada.pk,
        700,
    )
    assert auction.extensions == 1
    assert list(Bid.objects.filter(auction=auction).values_list("seq", "bidder_id", "price_cents")) == [
        (1, ada.pk, 500),
        (2, ben.pk, 600),
        (3, ada.pk, 700),
    ]

    # The show's auctions: the outcome and every bid's price, never a max.
    b.goto(f"{base}/shows/{show.pk}/auctions/")
    history = b.get_by_test_id("auction-history").filter(has_text="Rolleiflex camera")
    expect(history.get_by_test_id("auction-winner")).to_have_text("Ada Lovelace")
    expect(history.get_by_test_id("auction-price")).to_have_text("$7.00")
    expect(history.get_by_test_id("bid-row")).to_have_count(3)
    shoot(b, f"auction-{kind}-7-show-history")

    # Each buyer's own auctions.
    for page, standing, your_max in ((a, "Won", "$7.00"), (b, "Lost", "$6.00")):
        page.goto(f"{base}/account/auctions/")
        row = page.get_by_test_id("bidder-auction-row").filter(has_text="Rolleiflex camera")
        expect(row.get_by_test_id("bidder-standing")).to_have_text(standing)
        expect(row).to_contain_text(your_max)
    shoot(a, f"auction-{kind}-8-account-won")

    # Ada pays for her lot: the offer takes her address, the order page her card, and it is paid.
    won = a.get_by_test_id("bidder-auction-row").filter(has_text="Rolleiflex camera")
    won.get_by_role("link", name="Pay for it").click()
    form = a.get_by_test_id("offer-accept-form")
    for name, value in {
        "shipping_name": "Ada Lovelace",
        "shipping_line1": "12 St James's Square",
        "shipping_city": "London",
        "shipping_postal_code": "SW1Y 4JH",
        "shipping_country": "GB",
    }.items():
        form.locator(f"[name={name}]").fill(value)
    a.get_by_test_id("offer-accept").click()
    a.get_by_label("Card number").fill(TEST_CARD_SUCCESS)
    a.get_by_role("button", name=re.compile(r"^Pay \$")).click()
    expect(a.get_by_test_id("order-status")).to_have_text("Paid")
    shoot(a, f"auction-{kind}-8b-order-paid")
    offer = AuctionOffer.objects.get(auction=auction)
    assert offer.order is not None
    assert (offer.buyer_id, offer.status, offer.order.status) == (ada.pk, OfferStatus.PAID, OrderStatus.PAID)

    # The seller replaces their increment table for the next auctions.
    host.goto(f"{base}/seller/auctions/increments/")
    host.get_by_label("Band 1: bids go up by").fill("2")
    host.get_by_test_id("save-increments").click()
    expect(host.get_by_text("Saved: your next auctions use these increments.")).to_be_visible()
    shoot(host, f"auction-{kind}-9-increments")
    assert SellerAuctionDefaults.objects.get(seller=seller).increments[0] == [0, 200]

    for errors in (host_errors, a_errors, b_errors, anon_errors):
        assert errors == []
    for context in (host_ctx, a_ctx, b_ctx, anon_ctx):
        context.close()
