"""A seller in headless Chromium asks to be verified from the seller navigation, is refused a bad
document with the reason beside the field, sends a good one and sees the request pending; once a
moderator approves it, the page and the shop show the verified badge."""

import re

import pytest
from playwright.sync_api import Browser, FilePayload, expect

from moderation.models import VerificationRequest
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.verification import verification_approve
from tests.browser.helpers import DESKTOP, PHONE, console_errors, shoot, sign_in, viewport_name
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF: FilePayload = {"name": "passport.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
NOT_A_DOCUMENT: FilePayload = {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"just some notes"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_seller_asks_to_be_verified_and_is_approved(browser: Browser, site, viewport) -> None:
    base, _mailbox = site
    kind = viewport_name(viewport)
    shop = SellerProfileFactory.create(shop_name="Film Corner", slug=f"film-corner-{kind}")
    page = browser.new_page(viewport=viewport)
    errors = console_errors(page)
    sign_in(page, base, email=shop.user.email, password=PASSWORD)

    page.goto(f"{base}/seller/products/")
    page.get_by_role("link", name="Verification").click()
    expect(page.get_by_role("heading", name="Ask to be verified")).to_be_visible()
    page.get_by_label("Legal name").fill("Ada Lovelace")
    page.get_by_label("Shop or business name").fill("Film Corner")
    page.get_by_label("Date of birth").fill("1990-12-10")
    page.get_by_label("Address", exact=True).fill("12 St James's Square")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("SW1Y 4JH")
    page.get_by_label("Country").fill("GB")
    page.get_by_label("Phone").fill("+44 20 7946 0958")
    page.get_by_label("ID document").set_input_files(files=[NOT_A_DOCUMENT])
    shoot(page, f"{kind}-verification-1-form")
    page.get_by_role("button", name="Send for review").click()

    expect(page.get_by_text("Upload a photo or scan of an ID document")).to_be_visible()
    shoot(page, f"{kind}-verification-2-refused")
    assert not VerificationRequest.objects.exists()
    # A refused upload is not kept by the browser: choose the file again, the rest stays filled in.
    expect(page.get_by_label("Legal name")).to_have_value("Ada Lovelace")
    page.get_by_label("ID document").set_input_files(files=[PDF])
    page.get_by_role("button", name="Send for review").click()

    expect(page.get_by_role("heading", name="We're reviewing your request")).to_be_visible()
    expect(page.get_by_test_id("verification-status")).to_have_text(re.compile("Pending review"))
    shoot(page, f"{kind}-verification-3-pending")

    verification_approve(
        actor=staff_moderator_appoint(user=UserFactory.create()), request_id=VerificationRequest.objects.get().pk
    )
    page.reload()
    expect(page.get_by_role("heading", name="Your shop is verified")).to_be_visible()
    shoot(page, f"{kind}-verification-4-verified")
    page.goto(f"{base}/shops/{shop.slug}/")
    expect(page.get_by_test_id("verified")).to_be_visible()
    assert errors == []
