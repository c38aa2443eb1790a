"""Headless Chromium and a real server on the test database, shared by the browser tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.processes import asgi_server, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The site's base URL and the directory its e-mails are written to."""
    port = free_port()
    mailbox = tmp_path / "mailbox"
    with asgi_server(
        "browser", port=port, TEST_MAILBOX_DIR=str(mailbox), SITE_URL=f"http://127.0.0.1:{port}"
    ) as address:
        yield f"http://{address}", mailbox
