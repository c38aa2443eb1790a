"""A buyer reports a product from its page without JavaScript; a staff moderator reads it in the queue."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from commerce.tests.factories import ProductFactory
from moderation.services.check import check_message
from moderation.services.held import message_hold
from moderation.services.moderators import staff_moderator_appoint
from tests.browser.helpers import console_errors, shoot, sign_in, viewport_name
from tests.processes import asgi_server, free_port
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site() -> Iterator[str]:
    with asgi_server("browser-reports", port=free_port()) as address:
        yield f"http://{address}"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_buyer_reports_a_product_and_a_moderator_finds_it_in_the_queue(browser: Browser, site: str, viewport) -> None:
    kind = viewport_name(viewport)
    shop = SellerProfileFactory.create(shop_name="Vintage Vault", slug="vintage-vault")
    record = ProductFactory.create(seller=shop.user, title="Kind of Blue 1959 pressing", description="Six-eye label.")
    UserFactory(email="robin@example.com", display_name="Robin Reader")
    staff_moderator_appoint(user=UserFactory.create(email="mo@example.com", display_name="Mo Moderator"))
    fan = UserFactory.create(display_name="Dev Digger")
    verdict = check_message(sender=fan, text="Text me on 503-555-0147 for a better price", seller_id=shop.user_id)
    message_hold(sender=fan, seller_id=shop.user_id, verdict=verdict)
    # Reporting works without JavaScript: the report page is a plain form.
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("E-mail").fill("robin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{site}{record.get_absolute_url()}")
    shoot(page, f"report-product-page-{kind}")
    page.get_by_test_id("report-product").click()
    expect(page.get_by_role("heading", name="Report this product")).to_be_visible()
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("What is wrong?").select_option("prohibited")
    page.get_by_label("Anything moderators should know").fill("The label is a 2015 reissue.")
    shoot(page, f"report-form-{kind}")
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_text("Thank you: moderators will look at your report")).to_be_visible()
    page.goto(f"{site}/shops/vintage-vault/")
    expect(page.get_by_test_id("report-seller")).to_be_visible()
    shoot(page, f"report-shop-page-{kind}")
    context.close()
    assert errors == []

    admin = browser.new_page(viewport=viewport)
    sign_in(admin, site, email="mo@example.com", password=PASSWORD)
    admin.goto(f"{site}/admin/moderation/report/")
    admin.get_by_role("link", name="product", exact=True).first.click()
    expect(admin.get_by_text("The label is a 2015 reissue.")).to_be_visible()
    expect(admin.get_by_role("link", name="Kind of Blue 1959 pressing")).to_be_visible()
    shoot(admin, f"report-admin-change-{kind}")
    admin.goto(f"{site}/admin/moderation/heldmessage/")
    admin.get_by_role("checkbox").nth(1).check()
    admin.get_by_role("combobox", name="Action").select_option("mute")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_label("Reason")).to_be_visible()
    shoot(admin, f"report-admin-mute-form-{kind}")
    admin.get_by_label("Reason").fill("Taking buyers off Tokshop")
    admin.get_by_role("button", name="Mute the senders").click()
    expect(admin.get_by_text("Mute: 1 sender(s)")).to_be_visible()
    admin.close()
