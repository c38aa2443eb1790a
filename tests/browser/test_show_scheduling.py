"""A seller in headless Chromium schedules a show in their own time zone, builds its lineup and goes
live from the console; a viewer sees the show page before it starts (countdown, reminder) and the
live room after, where the host's pause reaches them over the room's socket, even when their
connection dropped at that moment. Desktop and 390 px."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from commerce.tests.factories import ProductFactory
from shows.models import Show, ShowReminder, ShowStatus
from tests.browser.helpers import console_errors, shoot, sign_in, viewport_name
from tests.processes import asgi_server, free_port
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "America/New_York"


@pytest.fixture
def site() -> Iterator[str]:
    with asgi_server("browser-shows", port=free_port()) as address:
        yield f"http://{address}"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_seller_schedules_a_show_with_a_lineup_and_a_viewer_watches_it(browser: Browser, site, viewport) -> None:
    base = site
    kind = viewport_name(viewport)
    seller = SellerProfileFactory.create(shop_name="Film Corner").user
    for title in ("Canon AE-1", "Olympus Trip", "Polaroid SX-70"):
        ProductFactory(seller=seller, title=title)
    viewer = UserFactory.create(display_name="Vera Viewer")
    start = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)).replace(hour=19, minute=30, second=0, microsecond=0)

    host = browser.new_context(viewport=viewport, timezone_id=ZONE)
    page = host.new_page()
    errors = console_errors(page)
    sign_in(page, base, email=seller.email, password=PASSWORD)
    page.goto(f"{base}/seller/shows/")
    page.get_by_test_id("new-show").click()
    page.get_by_label("Title").fill("Cameras at dusk")
    page.get_by_label("Starts at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Canon AE-1").check()
    page.get_by_label("Olympus Trip").check()
    shoot(page, f"{kind}-show-1-schedule")
    page.get_by_test_id("save-show").click()

    expect(page.get_by_test_id("show-status")).to_have_text("Scheduled")
    show = Show.objects.get(title="Cameras at dusk")
    # Typed as New York's wall clock, stored in UTC.
    assert show.scheduled_start == start.astimezone(UTC)
    expect(page.get_by_label("Starts at")).to_have_value(start.strftime("%Y-%m-%dT%H:%M"))
    items = page.get_by_test_id("lineup-item")
    expect(items).to_have_count(2)
    page.get_by_role("button", name="Move Olympus Trip up").click()
    page.get_by_label("Add a product").select_option(label="Polaroid SX-70")
    page.get_by_test_id("lineup-add").click()
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("Olympus Trip")
    shoot(page, f"{kind}-show-2-lineup")
    assert list(show.lineup.order_by("position").values_list("product__title", flat=True)) == [
        "Olympus Trip",
        "Canon AE-1",
        "Polaroid SX-70",
    ]

    audience = browser.new_context(viewport=viewport, timezone_id="Europe/Paris")
    watcher = audience.new_page()
    watcher_errors = console_errors(watcher)
    sign_in(watcher, base, email=viewer.email, password=PASSWORD)
    watcher.goto(f"{base}/shows/{show.pk}/")
    expect(watcher.get_by_test_id("countdown")).to_contain_text("Starts in 1 day")
    expect(watcher.get_by_test_id("lineup")).to_contain_text("Olympus Trip")
    watcher.get_by_test_id("remind-button").click()
    expect(watcher.get_by_test_id("remind-button")).to_have_text("Reminder set")
    shoot(watcher, f"{kind}-show-3-upcoming")
    assert ShowReminder.objects.filter(user=viewer, show=show).exists()

    page.goto(f"{base}/seller/shows/")
    expect(page.get_by_test_id("seller-show-row")).to_have_count(1)
    shoot(page, f"{kind}-show-3b-seller-list")
    page.get_by_role("link", name="Cameras at dusk").click()
    page.get_by_test_id("console-link").click()
    page.get_by_test_id("go-live").click()
    expect(page.get_by_test_id("console-status")).to_have_text("Live")
    room = page.get_by_test_id("console")
    expect(room).to_have_attribute("data-connection", "open")

    sockets: list[str] = []
    watcher.on("websocket", lambda socket: sockets.append(socket.url) if "/ws/shows/" in socket.url else None)
    watcher.goto(f"{base}/shows/{show.pk}/")
    viewer_room = watcher.get_by_test_id("room")
    expect(viewer_room).to_have_attribute("data-connection", "open")
    expect(watcher.locator("[data-room-status-label]")).to_have_text("Live")
    watcher.get_by_role("tab", name="Products").click()
    expect(watcher.get_by_test_id("room-lineup")).to_contain_text("Polaroid SX-70")
    shoot(watcher, f"{kind}-show-4-room")

    # The viewer's connection drops; the host pauses meanwhile; back online, the viewer's room asks for
    # what it missed (`since`) and shows it.
    audience.set_offline(True)
    expect(viewer_room).to_have_attribute("data-connection", "reconnecting")
    expect(watcher.locator("[data-room-connection]")).to_have_text("Reconnecting…")
    page.get_by_test_id("pause").click()
    expect(page.get_by_test_id("console-status")).to_have_text("Paused")
    expect(page.get_by_test_id("resume")).to_be_visible()
    audience.set_offline(False)
    expect(viewer_room).to_have_attribute("data-connection", "open", timeout=20_000)
    expect(watcher.locator("[data-room-connection]")).to_be_hidden()
    expect(watcher.locator("[data-room-status-label]")).to_have_text("Paused")
    assert sockets[0].endswith(f"/ws/shows/{show.pk}/")
    assert "?since=" in sockets[-1]
    expect(watcher.locator("[data-room-overlay-text]")).to_have_text("The host paused the show for a moment.")
    shoot(page, f"{kind}-show-5-console")
    shoot(watcher, f"{kind}-show-6-paused")
    show.refresh_from_db()
    assert show.status == ShowStatus.PAUSED

    watcher.goto(f"{base}/shows/")
    expect(watcher.get_by_test_id("live-shows")).to_contain_text("Cameras at dusk")
    shoot(watcher, f"{kind}-show-7-listing")

    assert errors == []
    assert watcher_errors == []
    host.close()
    audience.close()
