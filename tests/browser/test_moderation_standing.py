"""A muted buyer in headless Chromium reads why and until when on /account/moderation/ and appeals."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from moderation.models import Appeal
from moderation.services.sanctions import sanction_impose
from tests.browser.helpers import console_errors, shoot, sign_in, viewport_name
from tests.processes import asgi_server, free_port
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site() -> Iterator[str]:
    with asgi_server("browser-standing", port=free_port()) as address:
        yield f"http://{address}"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_muted_buyer_reads_why_and_appeals(browser: Browser, site: str, viewport) -> None:
    kind = viewport_name(viewport)
    shop: Any = SellerProfileFactory(shop_name="Vintage Vault", user__display_name="Vintage Vault").user
    buyer: Any = UserFactory(email="robin@example.com", display_name="Robin Reader")
    for reason in ["Shouting in the chat", "Links to another shop", "Language that isn't allowed"]:
        sanction_impose(actor=shop, user=buyer, kind="warning", reason=reason, scope="seller", seller=shop)
    sanction_impose(
        actor=shop,
        user=buyer,
        kind="ban",
        reason="Asked for payment outside Tokshop",
        scope="show",
        seller=shop,
        show_id=41,
        duration=timedelta(days=2),
    )
    page = browser.new_page(viewport=viewport)
    errors = console_errors(page)

    sign_in(page, site, email="robin@example.com", password=PASSWORD)
    page.goto(f"{site}/accounts/profile/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Moderation").click()

    in_force = page.get_by_test_id("sanction-in-force")
    expect(in_force).to_have_count(5)
    expect(in_force.first).to_contain_text("In one of Vintage Vault's shows")
    expect(in_force.filter(has_text="3 warnings within 24 hours")).to_have_count(1)
    expect(page.get_by_test_id("notice").first).to_be_visible()
    shoot(page, f"{kind}-standing-1-in-force")

    ban = in_force.first
    ban.get_by_text("Appeal this ban").click()
    ban.get_by_label("Why do you think this is wrong?").fill("I shared my shop's own checkout link, not a payment.")
    shoot(page, f"{kind}-standing-2-appeal-form")
    ban.get_by_role("button", name="Send appeal").click()

    expect(page.get_by_test_id("message")).to_contain_text("Your appeal is sent")
    expect(page.get_by_test_id("appeal-status").first).to_contain_text("Appeal pending")
    expect(page.get_by_test_id("appeal")).to_have_count(1)
    shoot(page, f"{kind}-standing-3-appealed")
    assert Appeal.objects.get().text.startswith("I shared my shop")
    assert errors == [], errors
