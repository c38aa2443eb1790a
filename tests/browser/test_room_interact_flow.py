"""A host in headless Chromium starts a flash sale and opens a poll from the console; a viewer buys,
votes and asks in the room, and the host answers: each sees the other's change live."""

import re

import pytest
from playwright.sync_api import Browser, expect

from commerce.tests.factories import ProductFactory
from shows.models import LineupItem
from shows.tests.factories import LineupItemFactory, ShowFactory
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    console_errors,
    console_open_poll,
    console_start_sale,
    fill_address,
    shoot,
    sign_in,
    viewport_name,
)
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_host_and_a_viewer_use_polls_questions_and_a_flash_sale_live(browser: Browser, site, viewport):
    base, _ = site
    seller = SellerProfileFactory.create().user
    show = ShowFactory.create(seller=seller, live=True, title="Vintage cameras live")
    for title, price in [("Leica M3", 120000), ("Film roll pack", 1500)]:
        LineupItemFactory.create(
            show=show, product=ProductFactory.create(seller=seller, title=title, price_cents=price, quantity_on_hand=20)
        )
    # A first-time buyer: no earlier order to ship to, so the room asks for an address once.
    buyer = UserFactory.create()

    host_ctx = browser.new_context(viewport=viewport)
    host = host_ctx.new_page()
    host_errors = console_errors(host)
    sign_in(host, base, email=seller.email, password=PASSWORD)
    host.goto(f"{base}/seller/shows/{show.pk}/console/")
    expect(host.get_by_test_id("console-pin")).to_be_visible()

    viewer_ctx = browser.new_context(viewport=viewport)
    page = viewer_ctx.new_page()
    errors = console_errors(page)
    sign_in(page, base, email=buyer.email, password=PASSWORD)
    page.goto(f"{base}{show.get_absolute_url()}")

    # Host starts a flash sale and opens a poll.
    film = LineupItem.objects.get(show=show, product__title="Film roll pack")
    console_start_sale(host, item_id=film.pk, price="9", total_limit=10, per_buyer_limit=2)
    console_open_poll(host, "Which camera next?", ["Rolleiflex", "Hasselblad", "Pentax 67"])

    page.get_by_role("tab", name="Products").click()
    expect(page.locator("[data-flash-sale]")).to_be_visible()
    page.locator("[data-flash-qty]").select_option("2")
    shoot(page, f"interact-products-before-{viewport_name(viewport)}")
    page.get_by_test_id("flash-buy").click()
    address = page.locator("[data-flash-address]")
    expect(address).to_be_visible()
    fill_address(
        address, name="Ada Buyer", line1="1 Main Street", city="Springfield", postal_code="12345", country="US"
    )
    shoot(page, f"interact-address-{viewport_name(viewport)}")
    page.get_by_test_id("flash-buy").click()
    expect(page.get_by_role("link", name="Pay now")).to_be_visible()
    expect(address).to_be_hidden()
    expect(page.locator("[data-flash-left]")).to_contain_text("8 of 10")
    shoot(page, f"interact-products-{viewport_name(viewport)}")

    page.get_by_role("tab", name="Poll").click()
    page.get_by_role("button", name=re.compile("Hasselblad")).click()
    expect(page.locator("[data-poll-result]")).to_have_text("Thanks for voting.")
    expect(page.locator("[data-poll-total]")).to_have_text("1 vote")
    shoot(page, f"interact-poll-{viewport_name(viewport)}")

    page.get_by_role("tab", name="Q&A").click()
    page.get_by_placeholder("Ask the host something…").fill("Does the Leica come with a lens?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("[data-question-list] [data-question]")).to_have_count(1)
    shoot(page, f"interact-questions-{viewport_name(viewport)}")

    expect(host.locator("[data-console-question-list] [data-question]")).to_have_count(1)
    expect(host.locator("[data-console-poll-results]")).to_contain_text("Hasselblad: 1")
    shoot(host, f"interact-console-{viewport_name(viewport)}")
    host.get_by_role("button", name="Answered").click()
    expect(page.locator("[data-question-answered]")).to_be_visible()
    host.get_by_role("tab", name="Lineup").click()
    shoot(host, f"interact-console-lineup-{viewport_name(viewport)}")
    # Opening a product from the room's lineup counts a click-through, then shows the product.
    page.get_by_role("tab", name="Products").click()
    page.get_by_test_id("room-lineup").get_by_role("link", name="Leica M3").click()
    expect(page.get_by_role("heading", name="Leica M3")).to_be_visible()
    assert LineupItem.objects.get(show=show, product__title="Leica M3").clicks == 1
    assert errors == []
    assert host_errors == []
