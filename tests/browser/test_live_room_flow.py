"""A host in headless Chromium takes a scheduled show live from the console, and two viewers use the
room together: they chat and see each other's lines, vote in the host's poll, one asks a question
the other upvotes and the host answers, and both buy the pinned product in a flash sale, watching
what is left go down. Every change is checked on each page as it arrives, then in the database.
Desktop and 390 px."""

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from commerce.models import Order
from commerce.tests.factories import ProductFactory, order_placed
from shows.models import ChatKind, ChatMessage, FlashSale, PollVote, Question, QuestionStatus, ShowStatus
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

SALE_PRICE_CENTS = 900


def open_room(browser: Browser, viewport: ViewportSize, base: str, *, email: str, url: str):
    """A signed-in viewer in a browser context of their own, with the room's socket open."""
    context: BrowserContext = browser.new_context(viewport=viewport)
    page: Page = context.new_page()
    errors = console_errors(page)
    sign_in(page, base, email=email, password=PASSWORD)
    page.goto(f"{base}{url}")
    expect(page.get_by_test_id("room")).to_have_attribute("data-connection", "open")
    return context, page, errors


def chat(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Send").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_host_goes_live_and_two_viewers_chat_vote_ask_and_buy_in_a_flash_sale(
    browser: Browser, site, viewport
) -> None:
    base, _ = site
    kind = viewport_name(viewport)
    seller = SellerProfileFactory.create(shop_name="Film Corner").user
    show = ShowFactory.create(seller=seller, title="Vintage cameras live")
    leica, _film = (
        LineupItemFactory.create(
            show=show,
            product=ProductFactory.create(seller=seller, title=title, price_cents=price, quantity_on_hand=20),
        )
        for title, price in [("Leica M3", 120000), ("Film roll pack", 1500)]
    )
    # Ada bought before, so the room ships to her last address; Ben's first order asks for one.
    ada = UserFactory.create(display_name="Ada Lovelace")
    order_placed(ada, [ProductFactory.create(title="Lens cloth")])
    ben = UserFactory.create(display_name="Ben Okafor")

    host_ctx = browser.new_context(viewport=viewport)
    host = host_ctx.new_page()
    host_errors = console_errors(host)
    sign_in(host, base, email=seller.email, password=PASSWORD)
    host.goto(f"{base}/seller/shows/{show.pk}/console/")
    expect(host.get_by_test_id("console-status")).to_have_text("Scheduled")
    shoot(host, f"liveroom-{kind}-1-console-scheduled")
    host.get_by_test_id("go-live").click()
    expect(host.get_by_test_id("console-status")).to_have_text("Live")
    expect(host.get_by_test_id("console")).to_have_attribute("data-connection", "open")
    show.refresh_from_db()
    assert show.status == ShowStatus.LIVE

    room_url = show.get_absolute_url()
    a_ctx, a, a_errors = open_room(browser, viewport, base, email=ada.email, url=room_url)
    b_ctx, b, b_errors = open_room(browser, viewport, base, email=ben.email, url=room_url)
    expect(a.locator("[data-room-status-label]")).to_have_text("Live")

    # Chat: each sees the other's line as it is posted.
    chat(a, "Hi all, is the Leica's shutter accurate?")
    b_lines = b.locator("[data-chat-list] .chat-line")
    expect(b_lines.filter(has_text="Ada Lovelace")).to_contain_text("Leica's shutter accurate?")
    chat(b, "Hello Ada! Watching from Lagos.")
    a_lines = a.locator("[data-chat-list] .chat-line")
    expect(a_lines.filter(has_text="Ben Okafor")).to_contain_text("Watching from Lagos.")
    expect(a_lines.filter(has_text="Ada Lovelace")).to_have_count(1)
    shoot(a, f"liveroom-{kind}-2-chat-ada")
    shoot(b, f"liveroom-{kind}-2-chat-ben")

    # The host pins the Leica and puts it on flash sale.
    host.get_by_test_id(f"pin-{leica.pk}").click()
    expect(host.get_by_test_id(f"pin-{leica.pk}")).to_have_text("Pinned")
    for viewer in (a, b):
        viewer.get_by_role("tab", name="Products").click()
        expect(viewer.locator("[data-pinned-title]")).to_have_text("Leica M3")
    console_start_sale(host, item_id=leica.pk, price="9", total_limit=10, per_buyer_limit=2)
    expect(host.locator("[data-console-sale-left]")).to_have_text("10 of 10 left")
    for viewer in (a, b):
        expect(viewer.locator("[data-flash-sale]")).to_be_visible()
        expect(viewer.locator("[data-pinned-price]")).to_have_text("$9.00")
        expect(viewer.locator("[data-flash-left]")).to_contain_text("10 of 10 left")
    shoot(host, f"liveroom-{kind}-3-console-sale")
    shoot(b, f"liveroom-{kind}-3-sale-ben")

    # A poll: both vote, and the host's console counts each vote as it comes.
    console_open_poll(host, "Which camera next?", ["Rolleiflex", "Hasselblad"], seconds=300)
    results = host.locator("[data-console-poll-results]")
    for viewer, choice in ((a, "Hasselblad"), (b, "Rolleiflex")):
        viewer.get_by_role("tab", name="Poll").click()
        viewer.get_by_role("button", name=re.compile(choice)).click()
        expect(viewer.locator("[data-poll-result]")).to_have_text("Thanks for voting.")
        expect(results).to_contain_text(f"{choice}: 1")
    expect(host.locator("[data-console-poll-total]")).to_have_text("2 votes")
    expect(a.locator("[data-poll-total]")).to_have_text("2 votes")
    shoot(a, f"liveroom-{kind}-4-poll-ada")

    # Ada asks; Ben upvotes; every page shows one upvote; the host answers.
    a.get_by_role("tab", name="Q&A").click()
    a.get_by_placeholder("Ask the host something…").fill("Does the Leica come with a lens?")
    a.get_by_role("button", name="Ask").click()
    b.get_by_role("tab", name="Q&A").click()
    b_question = b.locator("[data-question-list] [data-question]")
    expect(b_question).to_contain_text("Does the Leica come with a lens?")
    expect(a.locator("[data-question-list] [data-question-upvote]")).to_be_disabled()
    b_question.locator("[data-question-upvote]").click()
    host_question = host.locator("[data-console-question-list] [data-question]")
    for row in (a.locator("[data-question-list] [data-question]"), b_question, host_question):
        expect(row.locator("[data-question-upvotes]")).to_have_text("1")
    expect(b_question.locator("[data-question-upvote]")).to_have_attribute("aria-pressed", "true")
    shoot(b, f"liveroom-{kind}-5-question-ben")
    shoot(host, f"liveroom-{kind}-5-console-questions")
    host_question.get_by_role("button", name="Answered").click()
    for viewer in (a, b):
        expect(viewer.locator("[data-question-list] [data-question-answered]")).to_be_visible()

    # Both buy the pinned Leica at the sale price; what is left goes down on every page.
    for viewer in (a, b):
        viewer.get_by_role("tab", name="Products").click()
    a.get_by_test_id("flash-buy").click()
    expect(a.get_by_role("link", name="Pay now")).to_be_visible()
    expect(a.locator("[data-flash-address]")).to_be_hidden()
    for viewer in (a, b):
        expect(viewer.locator("[data-flash-left]")).to_contain_text("9 of 10 left")
    shoot(a, f"liveroom-{kind}-6-bought-ada")

    b.get_by_test_id("flash-buy").click()
    address = b.locator("[data-flash-address]")
    expect(address).to_be_visible()
    expect(b.locator("[data-flash-result]")).to_have_text("Where should it go? Add your address, then buy.")
    fill_address(address, name="Ben Okafor", line1="12 Marina Road", city="Lagos", postal_code="101001", country="NG")
    shoot(b, f"liveroom-{kind}-7-address-ben")
    b.get_by_test_id("flash-buy").click()
    expect(b.get_by_role("link", name="Pay now")).to_be_visible()
    expect(address).to_be_hidden()
    for viewer in (a, b):
        expect(viewer.locator("[data-flash-left]")).to_contain_text("8 of 10 left")
    host.get_by_role("tab", name="Lineup").click()
    expect(host.locator("[data-console-sale-left]")).to_have_text("8 of 10 left")
    # The lineup's stock counts down on the console too: 20 on hand, 2 held by the two orders.
    stock = host.locator(f"[data-product-id='{leica.product_id}'] [data-lineup-available]")
    expect(stock).to_have_text("18")
    # The console's figures arrive with the staff's periodic stats; orders count there once paid.
    expect(host.locator("[data-console-stats] [data-stat=chat_messages]")).to_have_text("2", timeout=15_000)
    shoot(b, f"liveroom-{kind}-8-bought-ben")
    shoot(a, f"liveroom-{kind}-8-room-ada")
    shoot(host, f"liveroom-{kind}-8-console")

    sale = FlashSale.objects.get(show=show)
    assert sale.product_id == leica.product_id
    assert sale.price_cents == SALE_PRICE_CENTS
    assert sale.sold == 2
    orders = Order.objects.filter(seller=seller).order_by("buyer__display_name")
    assert [(o.buyer_id, o.subtotal_cents, o.shipping_country) for o in orders] == [
        (ada.pk, SALE_PRICE_CENTS, "US"),
        (ben.pk, SALE_PRICE_CENTS, "NG"),
    ]
    assert all(line.unit_price_cents == SALE_PRICE_CENTS for o in orders for line in o.lines.all())
    assert list(
        ChatMessage.objects.filter(show=show, kind=ChatKind.CHAT).order_by("id").values_list("sender", "text")
    ) == [(ada.pk, "Hi all, is the Leica's shutter accurate?"), (ben.pk, "Hello Ada! Watching from Lagos.")]
    assert sorted(PollVote.objects.filter(poll__show=show).values_list("user", "option__text")) == sorted(
        [(ada.pk, "Hasselblad"), (ben.pk, "Rolleiflex")]
    )
    question = Question.objects.get(show=show)
    assert (question.author_id, question.upvotes, question.status) == (ada.pk, 1, QuestionStatus.ANSWERED)
    assert list(question.upvote_rows.values_list("user", flat=True)) == [ben.pk]

    assert host_errors == []
    assert a_errors == []
    assert b_errors == []
    for context in (host_ctx, a_ctx, b_ctx):
        context.close()
