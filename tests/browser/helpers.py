"""What the browser tests do over and over: sign in, take screenshots, watch the console."""

import re

from playwright.sync_api import Page, ViewportSize, expect

from tests.processes import LOGS

SHOTS = LOGS / "browser"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def viewport_name(viewport: ViewportSize) -> str:
    return "phone" if viewport["width"] < 600 else "desktop"


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot under test-artifacts/browser/, to look at after the run."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def console_errors(page: Page) -> list[str]:
    """The page's console errors, collected as they happen: a test asserts the list stays empty."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def sign_in(page: Page, base: str, *, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page.get_by_test_id("notification-bell")).to_be_visible()
