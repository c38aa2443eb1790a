"""What the browser tests do over and over: sign in, take screenshots, watch the console."""

import re

from playwright.sync_api import Locator, Page, ViewportSize, expect

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


def console_start_sale(host: Page, *, item_id: int, price: str, total_limit: int, per_buyer_limit: int) -> None:
    """From the go-live console's lineup panel: put a lineup item on flash sale."""
    form = host.locator("[data-console-sale-form]")
    form.locator("select[name=item_id]").select_option(str(item_id))
    form.locator("[name=price]").fill(price)
    form.locator("[name=total_limit]").fill(str(total_limit))
    form.locator("[name=per_buyer_limit]").fill(str(per_buyer_limit))
    host.get_by_test_id("start-sale").click()
    expect(host.locator("[data-console-sale]")).to_be_visible()


def console_open_poll(host: Page, question: str, answers: list[str], *, seconds: int | None = None) -> None:
    """From the go-live console's polls panel: ask the room a question."""
    host.get_by_role("tab", name=re.compile("Polls")).click()
    poll = host.locator("[data-console-poll-form]")
    poll.locator("[name=question]").fill(question)
    for field, answer in zip(poll.locator("[name=option]").all(), answers, strict=False):
        field.fill(answer)
    if seconds is not None:
        poll.locator("select[name=seconds]").select_option(str(seconds))
    host.get_by_test_id("open-poll").click()
    expect(host.locator("[data-console-poll]")).to_be_visible()


def fill_address(form: Locator, *, name: str, line1: str, city: str, postal_code: str, country: str) -> None:
    """A shipping address form's required fields, found by their labels."""
    form.get_by_label("Name").fill(name)
    form.get_by_label("Address", exact=True).fill(line1)
    form.get_by_label("City").fill(city)
    form.get_by_label("Postal code").fill(postal_code)
    form.get_by_label("Country code").fill(country)
