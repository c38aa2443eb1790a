"""A buyer in headless Chromium saves a product, finds it under Saved, and reviews a delivered order."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from commerce.tests.factories import ProductFactory, order_placed
from tests.browser.helpers import console_errors, shoot, sign_in, viewport_name
from tests.processes import asgi_server, free_port
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site() -> Iterator[str]:
    with asgi_server("browser-reviews", port=free_port()) as address:
        yield f"http://{address}"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_save_a_product_then_review_a_delivered_order(browser: Browser, site: str, viewport) -> None:
    kind = viewport_name(viewport)
    shop = SellerProfileFactory(shop_name="Vintage Vault", slug="vintage-vault")
    lamp = ProductFactory.create(seller=shop.user, title="Brass desk lamp", price_cents=7800)
    ProductFactory(seller=shop.user, title="Mid-century teak side table", price_cents=24000)
    buyer = UserFactory(email="robin@example.com", display_name="Robin Reader")
    order = order_placed(buyer, [lamp])
    page = browser.new_page(viewport=viewport)
    errors = console_errors(page)

    sign_in(page, site, email="robin@example.com", password=PASSWORD)

    page.goto(f"{site}/shops/vintage-vault/")
    heart = page.get_by_role("button", name="Save Mid-century teak side table")
    heart.click()
    saved_heart = page.get_by_role("button", name="Saved: remove Mid-century teak side table from Saved")
    expect(saved_heart).to_have_attribute("aria-pressed", "true")
    shoot(page, f"{kind}-reviews-1-shop-saved")

    page.goto(f"{site}/saved/")
    expect(page.get_by_test_id("product-card")).to_have_count(1)
    expect(page.get_by_test_id("product-card")).to_contain_text("Mid-century teak side table")
    shoot(page, f"{kind}-reviews-2-saved-page")

    page.goto(f"{site}{order.get_absolute_url()}")
    page.get_by_role("link", name="Write a review").click()
    page.get_by_role("group", name="How is the product?").get_by_text("4 stars").click(force=True)
    page.get_by_role("group", name="How was the seller?").get_by_text("5 stars").click(force=True)
    page.get_by_label("Tell other buyers about it").fill("Heavy brass, bright light, arrived well packed.")
    shoot(page, f"{kind}-reviews-3-review-form")
    page.get_by_role("button", name="Publish your review").click()
    expect(page.get_by_test_id("message")).to_contain_text("your review is published")
    expect(page.get_by_role("link", name="Edit your review")).to_be_visible()
    shoot(page, f"{kind}-reviews-4-order-reviewed")

    page.goto(f"{site}{lamp.get_absolute_url()}")
    expect(page.get_by_test_id("product-rating")).to_contain_text("4.0")
    expect(page.get_by_test_id("review")).to_contain_text("Heavy brass, bright light")
    shoot(page, f"{kind}-reviews-5-product-page")

    page.goto(f"{site}/shops/vintage-vault/")
    expect(page.get_by_test_id("shop-rating")).to_contain_text("5.0")
    shoot(page, f"{kind}-reviews-6-shop-page")
    assert errors == [], errors
