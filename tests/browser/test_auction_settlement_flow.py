"""The runner-up of an auction whose winner did not pay takes the second chance from its page: gives
an address, pays on the order page; the seller reads the whole settlement on the auction's page."""

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from auctions.models import AuctionOffer, OfferStatus
from auctions.services.settlement import settlement_start, settlements_sweep
from auctions.tests.factories_settlement import auction_closed_with_bids
from commerce.models import Product
from commerce.payments import TEST_CARD_SUCCESS
from tests.browser.helpers import DESKTOP, PHONE, console_errors, shoot, sign_in, viewport_name
from tokshop.users.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_second_chance_is_taken_paid_and_audited(browser: Browser, site, viewport: ViewportSize) -> None:
    base, _ = site
    kind = viewport_name(viewport)
    winner = UserFactory.create(display_name="Walt Winner")
    runner_up = UserFactory.create(display_name="Rita Runner")
    auction = auction_closed_with_bids([(runner_up, 2400), (winner, 3000)], winning_cents=2500)
    Product.objects.filter(pk=auction.product_id).update(title="Brass desk lamp")
    settlement_start(auction_id=auction.pk)
    first = AuctionOffer.objects.get(auction=auction)
    assert first.pay_by is not None
    settlements_sweep(now=first.pay_by + timedelta(seconds=1))
    chance = AuctionOffer.objects.get(auction=auction, rank=2)

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, base, email=runner_up.email, password=PASSWORD)
    page.goto(f"{base}{chance.get_absolute_url()}")
    expect(page.get_by_test_id("offer-status")).to_have_text("Offered")
    shoot(page, f"auction-second-chance-{kind}")

    form = page.get_by_test_id("offer-accept-form")
    for name, value in {
        "shipping_name": "Rita Runner",
        "shipping_line1": "4 Elm Row",
        "shipping_city": "Leeds",
        "shipping_postal_code": "LS1 4AP",
        "shipping_country": "GB",
    }.items():
        form.locator(f"[name={name}]").fill(value)
    page.get_by_test_id("offer-accept").click()
    # Without Stripe there is no saved card: the order page takes a card number.
    page.get_by_label("Card number").fill(TEST_CARD_SUCCESS)
    page.get_by_role("button", name="Pay $29.00").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    page.goto(f"{base}{chance.get_absolute_url()}")
    expect(page.get_by_test_id("offer-paid")).to_be_visible()
    shoot(page, f"auction-second-chance-paid-{kind}")
    assert AuctionOffer.objects.get(pk=chance.pk).status == OfferStatus.PAID

    context.close()

    seller_context = browser.new_context(viewport=viewport)
    seller_page = seller_context.new_page()
    errors += console_errors(seller_page)
    sign_in(seller_page, base, email=auction.seller.email, password=PASSWORD)
    seller_page.goto(f"{base}/seller/auctions/{auction.pk}/")
    expect(seller_page.get_by_test_id("timeline-row")).to_have_count(8)
    expect(seller_page.get_by_test_id("auction-result")).to_contain_text("Sold to")
    shoot(seller_page, f"auction-seller-timeline-{kind}")
    assert errors == []
    seller_context.close()
