"""Buying and selling in headless Chromium, against a real server on the test database.

A buyer searches, adds to the cart and pays with the built-in test gateway; the seller, in a
second browser, ships the order; the buyer hears about it live. Every commerce page is
photographed at phone and desktop width on the way (test-artifacts/browser/).
"""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from commerce.models import Category, Order, OrderStatus, Product
from commerce.services.catalog import product_create
from tests.browser.helpers import DESKTOP, PHONE, console_errors, shoot, sign_in, viewport_name
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture
def shop() -> Any:
    """Vintage Vault: a camera, and enough else on the shelf for the grids to look like a shop."""
    seller = SellerProfileFactory.create(
        user__email="sam@example.com",
        user__display_name="Sam Seller",
        shop_name="Vintage Vault",
        slug="vintage-vault",
        bio="Film cameras, lenses and hi-fi from the seventies and eighties, tested before they ship.",
    ).user
    cameras = Category.objects.create(name="Cameras", slug="cameras")
    product_create(
        seller=seller,
        title="Leica M6 rangefinder camera",
        description="Serviced in 2025. Clean viewfinder, accurate meter.\n\nShips with a strap and a cap.",
        price_cents=189_900,
        category_id=cameras.pk,
        condition="like_new",
        tags="leica, rangefinder, 35mm",
        sku="LM6-001",
        shipping_weight_grams=900,
        quantity_on_hand=2,
    )
    for title, price in [("Olympus OM-1 with 50mm lens", 32_000), ("Canon AE-1 Program", 24_500)]:
        product_create(seller=seller, title=title, price_cents=price, category_id=cameras.pk, quantity_on_hand=3)
    product_create(seller=seller, title="Technics SL-1200 turntable", price_cents=65_000, quantity_on_hand=0)
    return seller


@pytest.fixture
def buyer() -> Any:
    return UserFactory(email="robin@example.com", display_name="Robin Buyer")


def add_to_cart_from_search(page: Page, base: str, *, query: str, title: str, name: str | None = None) -> None:
    page.goto(f"{base}/search/")
    page.get_by_role("combobox", name="Search products").fill(query)
    expect(page.get_by_role("option", name=title)).to_be_visible()
    if name:
        shoot(page, f"{name}-search-suggestions")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 product")
    if name:
        shoot(page, f"{name}-search")
    page.get_by_test_id("product-card").filter(has_text=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    if name:
        shoot(page, f"{name}-product")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-line")).to_contain_text(title)


def check_out(page: Page, *, card: str, name: str | None = None) -> None:
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("Robin Buyer")
    page.get_by_label("Address", exact=True).fill("12 Harbour Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("04101")
    page.get_by_label("Country").fill("US")
    page.get_by_label("Card number").fill(card)
    if name:
        shoot(page, f"{name}-checkout")
    page.get_by_role("button", name=re.compile("Place order and pay")).click()


@VIEWPORTS
def test_buyer_pays_seller_ships_buyer_hears_live(browser: Browser, site, shop, buyer, viewport) -> None:
    base, mailbox = site
    kind = viewport_name(viewport)
    buyer_page = browser.new_context(viewport=viewport).new_page()
    buyer_errors = console_errors(buyer_page)

    # Anyone may look; buying starts with signing in.
    buyer_page.goto(f"{base}{Product.objects.get(sku='LM6-001').get_absolute_url()}")
    expect(buyer_page.get_by_role("main").get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(buyer_page.get_by_role("button", name="Add to cart")).to_have_count(0)
    shoot(buyer_page, f"{kind}-commerce-00-product-signed-out")
    sign_in(buyer_page, base, email=buyer.email, password=PASSWORD)
    shoot(buyer_page, f"{kind}-commerce-01-home")
    buyer_page.goto(f"{base}/shops/vintage-vault/")
    expect(buyer_page.get_by_test_id("product-card")).to_have_count(4)
    shoot(buyer_page, f"{kind}-commerce-02-shop")

    add_to_cart_from_search(
        buyer_page, base, query="leica", title="Leica M6 rangefinder camera", name=f"{kind}-commerce-03"
    )
    expect(buyer_page.get_by_test_id("subtotal")).to_have_text("$1,899.00")
    shoot(buyer_page, f"{kind}-commerce-04-cart")
    check_out(buyer_page, card="4242 4242 4242 4242", name=f"{kind}-commerce-05")

    order = Order.objects.get(buyer=buyer)
    expect(buyer_page.get_by_test_id("message")).to_contain_text(f"Order {order.number} is paid")
    expect(buyer_page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(buyer_page.get_by_test_id("order-total")).to_have_text("$1,904.00")
    shoot(buyer_page, f"{kind}-commerce-06-order-paid")
    subject = f"Subject: Your Tokshop receipt for order {order.number}"
    assert sum(subject in mail.read_text() for mail in mailbox.glob("*.log")) == 1
    buyer_page.goto(f"{base}/cart/")
    expect(buyer_page.get_by_text("Your cart is empty")).to_be_visible()
    shoot(buyer_page, f"{kind}-commerce-07-cart-empty")
    buyer_page.goto(f"{base}/orders/")
    expect(buyer_page.get_by_test_id("order-row")).to_contain_text(order.number)
    shoot(buyer_page, f"{kind}-commerce-07-orders-list")
    buyer_page.get_by_role("link", name=order.number).click()
    expect(buyer_page.get_by_test_id("order-status")).to_have_text("Paid")
    badge = buyer_page.get_by_test_id("notification-count")
    expect(badge).to_have_text("1")  # "Order … is paid"

    seller_page = browser.new_context(viewport=viewport).new_page()
    seller_errors = console_errors(seller_page)
    sign_in(seller_page, base, email=shop.email, password=PASSWORD)
    expect(seller_page.get_by_test_id("notification-count")).to_have_text("1")  # "New order …"
    seller_page.goto(f"{base}/seller/products/")
    expect(seller_page.get_by_test_id("seller-product-row")).to_have_count(4)
    shoot(seller_page, f"{kind}-commerce-08-seller-products")
    seller_page.get_by_role("link", name="Leica M6 rangefinder camera", exact=True).click()
    expect(seller_page.get_by_label("Title")).to_have_value("Leica M6 rangefinder camera")
    shoot(seller_page, f"{kind}-commerce-09-seller-product-edit")
    seller_page.goto(f"{base}/seller/products/new/")
    shoot(seller_page, f"{kind}-commerce-10-seller-product-new")

    seller_page.goto(f"{base}/seller/orders/")
    row = seller_page.get_by_test_id("seller-order-row").filter(has_text=order.number)
    expect(row).to_contain_text("Paid")
    shoot(seller_page, f"{kind}-commerce-11-seller-orders")
    row.get_by_role("link", name="Ship").click()
    shoot(seller_page, f"{kind}-commerce-12-seller-order")
    seller_page.get_by_label("Carrier").fill("USPS")
    seller_page.get_by_label("Tracking number").fill("9400 1000 0000 0000 0000 00")
    seller_page.get_by_role("button", name="Mark shipped").click()
    expect(seller_page.get_by_test_id("message")).to_contain_text(f"Order {order.number} is marked shipped")
    expect(seller_page.get_by_test_id("order-status")).to_have_text("Shipped")
    shoot(seller_page, f"{kind}-commerce-13-seller-order-shipped")

    # The buyer's page was open all along: the news arrives over its socket, without a reload.
    expect(badge).to_have_text("2")
    toast = buyer_page.get_by_test_id("toast")
    toast.hover()  # a toast under the pointer stays up until it is read and clicked
    expect(toast).to_contain_text(f"Order {order.number} is on its way")
    expect(toast).to_contain_text("USPS tracking number 9400 1000 0000 0000 0000 00")
    shoot(buyer_page, f"{kind}-commerce-14-buyer-notified")
    toast.get_by_role("link", name="View").click()
    expect(buyer_page.get_by_test_id("order-status")).to_have_text("Shipped")
    expect(buyer_page.get_by_role("main")).to_contain_text("USPS tracking number 9400 1000 0000 0000 0000 00")
    shoot(buyer_page, f"{kind}-commerce-15-order-shipped")

    order.refresh_from_db()
    assert (order.status, order.carrier) == (OrderStatus.SHIPPED, "USPS")
    assert Product.objects.get(sku="LM6-001").quantity_on_hand == 1
    assert buyer_errors == [], buyer_errors
    assert seller_errors == [], seller_errors


def test_declined_card_leaves_the_order_pending_and_paying_again_works(browser: Browser, site, shop, buyer) -> None:
    base, _ = site
    page = browser.new_context(viewport=PHONE).new_page()
    errors = console_errors(page)
    sign_in(page, base, email=buyer.email, password=PASSWORD)
    add_to_cart_from_search(page, base, query="olympus", title="Olympus OM-1 with 50mm lens")

    check_out(page, card="4000 0000 0000 0002")

    order = Order.objects.get(buyer=buyer)
    expect(page.get_by_test_id("order-status")).to_have_text("Awaiting payment")
    expect(page.get_by_test_id("message")).to_contain_text(f"Order {order.number} is not paid")
    expect(page.get_by_test_id("payment-failure")).to_have_text("Your card was declined.")
    shoot(page, "phone-commerce-16-order-declined")
    order.refresh_from_db()
    assert (order.status, order.payment_failure) == (OrderStatus.PENDING_PAYMENT, "Your card was declined.")

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay $325.00").click()

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("payment-failure")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert errors == [], errors
