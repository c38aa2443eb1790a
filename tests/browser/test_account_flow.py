"""A person in headless Chromium: signs up, confirms the e-mail, signs in, sees a notification arrive."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import console_errors, shoot
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create
from tokshop.users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def verification_link(mailbox: Path) -> str:
    messages = sorted(mailbox.glob("*.log"))
    assert messages, "no e-mail was sent"
    match = re.search(r"http://[^\s\"<>]+/accounts/verify/[^\s\"<>/]+/", messages[-1].read_text())
    assert match, "the e-mail has no verification link"
    return match.group(0)


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_sign_up_verify_sign_in_and_get_a_live_notification(browser: Browser, site, viewport) -> None:
    base, mailbox = site
    kind = "phone" if viewport["width"] < 600 else "desktop"
    page = browser.new_page(viewport=viewport)
    errors = console_errors(page)

    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("E-mail").fill("robin@example.com")
    page.get_by_label("Display name").fill("Robin")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase")
    page.get_by_label("Confirm password").fill("a-long-passphrase")
    shoot(page, f"{kind}-1-signup")
    page.get_by_role("button", name=re.compile("create", re.I)).click()
    expect(page.get_by_text("robin@example.com")).to_be_visible()
    shoot(page, f"{kind}-2-check-inbox")

    page.goto(verification_link(mailbox))
    expect(page.get_by_text(re.compile("confirmed|verified", re.I)).first).to_be_visible()
    shoot(page, f"{kind}-3-verified")

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill("robin@example.com")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    badge = page.get_by_test_id("notification-count")
    expect(badge).to_have_text("1")
    shoot(page, f"{kind}-4-signed-in")

    notification_create(
        user=User.objects.get(email="robin@example.com"),
        kind=NotificationKind.ANNOUNCEMENT,
        title="Sam Seller is live: vintage cameras",
        url="/",
    )

    expect(badge).to_have_text("2")
    expect(page.get_by_test_id("toast")).to_contain_text("Sam Seller is live")
    shoot(page, f"{kind}-5-live-notification")
    assert errors == [], errors
