"""A host in headless Chromium starts a giveaway from the console; two viewers enter from the room,
the host draws, and the winner sees that they won, their free order and the published draw."""

import re

import pytest
from playwright.sync_api import Browser, expect

from auctions.models import Giveaway
from commerce.tests.factories import ProductFactory
from shows.models import LineupItem
from shows.tests.factories import LineupItemFactory, ShowFactory
from tests.browser.helpers import DESKTOP, PHONE, console_errors, shoot, sign_in, viewport_name
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_host_gives_a_product_away_two_viewers_enter_and_the_winner_sees_it(browser: Browser, site, viewport):
    base, _ = site
    name = viewport_name(viewport)
    seller = SellerProfileFactory.create().user
    show = ShowFactory.create(seller=seller, live=True, title="Vintage cameras live")
    for title in ("Leica strap", "Film roll pack"):
        LineupItemFactory.create(
            show=show, product=ProductFactory.create(seller=seller, title=title, price_cents=2500, quantity_on_hand=5)
        )
    viewers = [UserFactory.create(display_name="Ada Lovelace"), UserFactory.create(display_name="Grace Hopper")]

    host_ctx = browser.new_context(viewport=viewport)
    host = host_ctx.new_page()
    host_errors = console_errors(host)
    sign_in(host, base, email=seller.email, password=PASSWORD)
    host.goto(f"{base}/seller/shows/{show.pk}/console/")
    expect(host.get_by_test_id("console-giveaway")).to_be_visible()

    pages, errors = [], []
    for viewer in viewers:
        page = browser.new_context(viewport=viewport).new_page()
        errors.append(console_errors(page))
        sign_in(page, base, email=viewer.email, password=PASSWORD)
        page.goto(f"{base}{show.get_absolute_url()}")
        expect(page.get_by_test_id("room")).to_have_attribute("data-connection", "open")
        pages.append(page)

    prize = LineupItem.objects.get(show=show, product__title="Film roll pack")
    form = host.locator("[data-console-giveaway-form]")
    form.locator("select[name=item_id]").select_option(str(prize.pk))
    form.locator("select[name=seconds]").select_option("300")
    host.get_by_test_id("start-giveaway").click()
    expect(host.locator("[data-console-giveaway-box]")).to_be_visible()
    expect(host.get_by_test_id("giveaway-draw")).to_be_visible()

    for n, page in enumerate(pages, start=1):
        card = page.get_by_test_id("room-giveaway")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Film roll pack")
        expect(page.get_by_test_id("giveaway-clock")).to_have_text(re.compile(r"Ends in [45]:\d\d"))
        page.get_by_test_id("giveaway-enter").click()
        expect(page.get_by_test_id("giveaway-result")).to_have_text("You are in. Good luck!")
        expect(page.get_by_test_id("giveaway-enter")).to_be_disabled()
        expect(host.get_by_test_id("console-giveaway-entrants")).to_have_text(f"{n} entrant" + ("s" if n > 1 else ""))
    expect(pages[0].get_by_test_id("giveaway-entrants")).to_have_text("2 entrants")
    shoot(pages[0], f"giveaway-room-{name}")
    shoot(host, f"giveaway-console-{name}")

    host.get_by_test_id("giveaway-draw").click()
    giveaway = Giveaway.objects.get(show=show)
    expect(host.get_by_test_id("console-giveaway-result")).to_have_text(re.compile("Winner: "))
    giveaway.refresh_from_db()
    winner, order = giveaway.winner, giveaway.order
    assert winner is not None
    assert order is not None
    winner_page = pages[viewers.index(winner)]
    loser_page = pages[1 - viewers.index(winner)]
    expect(winner_page.get_by_test_id("giveaway-result")).to_contain_text("You won!")
    expect(loser_page.get_by_test_id("giveaway-result")).to_have_text(f"Winner: {winner.display_name}")
    shoot(winner_page, f"giveaway-won-{name}")
    shoot(host, f"giveaway-console-drawn-{name}")

    # The winner opens the official rules from the room: the seed and the numbered entries are there.
    winner_page.get_by_test_id("giveaway-rules-link").click()
    expect(winner_page.get_by_test_id("giveaway-seed")).to_have_text(giveaway.seed)
    expect(winner_page.get_by_test_id("giveaway-winner")).to_have_text(winner.display_name)
    shoot(winner_page, f"giveaway-rules-{name}")

    # Their free order asks where to ship it: no earlier order to take an address from.
    winner_page.goto(f"{base}{order.get_absolute_url()}")
    address = winner_page.get_by_test_id("order-address")
    expect(address).to_be_visible()
    address.get_by_label("Full name").fill(winner.display_name)
    address.get_by_label("Address", exact=True).fill("1 Main Street")
    address.get_by_label("City").fill("Springfield")
    address.get_by_label("Postal code").fill("12345")
    address.get_by_role("button", name="Save the address").click()
    expect(winner_page.get_by_text("the seller will ship it to this address")).to_be_visible()
    shoot(winner_page, f"giveaway-order-{name}")
    assert errors == [[], []]
    assert host_errors == []
