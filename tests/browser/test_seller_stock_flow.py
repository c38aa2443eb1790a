"""A seller in headless Chromium imports products from a CSV file, watches a real worker finish it,
finds the products in the list and adjusts one's stock on its stock page."""

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Browser, FilePayload, expect

from commerce.models import Product, ProductImport
from commerce.services.imports import product_import_run
from commerce.tests.factories import CategoryFactory
from tests.browser.helpers import console_errors, shoot, sign_in, viewport_name
from tests.processes import BIN, asgi_server, free_port, process_environment, running
from tokshop.celery import app as celery_app
from tokshop.users.models import SellerProfile
from tokshop.users.tests.factories import PASSWORD, SellerProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD_ROWS = 24


@pytest.fixture
def site_with_worker() -> Iterator[str]:
    """The site, whose imports go to a real Celery worker through Redis instead of running inline."""
    # The server sends to the default queue, on the tests' own Redis database.
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    hostname = f"import-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    worker = [str(BIN / "celery"), "-A", "tokshop", "worker", "--pool=solo", "-Q", queue, "-n", hostname]
    env = {"CELERY_TASK_ALWAYS_EAGER": "false"}
    with running([*worker, "-l", "warning"], name="celery-import-worker", env=process_environment(**env)) as process:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            assert process.poll() is None, "the worker exited; see test-artifacts/celery-import-worker.log"
            assert time.monotonic() < deadline, "the worker did not answer a ping within 30 s"
        with asgi_server("browser-import", port=free_port(), **env) as address:
            yield f"http://{address}"


def products_csv() -> bytes:
    rows = ["title,price,category,condition,tags,sku,quantity,low_stock_threshold"]
    rows += [
        f'Film camera no. {n},{40 + n}.50,Cameras,good,"camera, film",CAM-{n:03d},{n % 5 + 1},1' for n in range(1, 13)
    ]
    rows.append("Broken row,free,Cameras,mint,,BAD-1,-3,")
    rows += [f"Lens {n},{15 + n}.00,cameras,like_new,lens,LENS-{n:03d},2," for n in range(1, 13)]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_seller_imports_a_csv_sees_it_finish_and_adjusts_stock(browser: Browser, site_with_worker, viewport) -> None:
    base = site_with_worker
    kind = viewport_name(viewport)
    CategoryFactory(name="Cameras", slug="cameras")
    profile: SellerProfile = SellerProfileFactory.create(shop_name="Film Corner")
    seller = profile.user
    page = browser.new_page(viewport=viewport)
    errors = console_errors(page)

    sign_in(page, base, email=seller.email, password=PASSWORD)

    page.goto(f"{base}/seller/products/")
    page.get_by_test_id("import-link").click()
    expect(page.get_by_role("heading", name="Import products")).to_be_visible()
    upload: FilePayload = {"name": "products.csv", "mimeType": "text/csv", "buffer": products_csv()}
    page.get_by_label("CSV file").set_input_files(files=[upload])
    shoot(page, f"{kind}-import-1-upload")
    page.get_by_role("button", name="Start import").click()

    progress = page.get_by_test_id("import-progress")
    expect(page.get_by_role("heading", name="Import of products.csv")).to_be_visible()
    expect(progress).to_have_attribute("data-status", "done", timeout=30_000)
    expect(progress.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(page.get_by_test_id("import-counts")).to_contain_text(f"{GOOD_ROWS + 1} of {GOOD_ROWS + 1} rows read")
    expect(page.get_by_test_id("import-counts")).to_contain_text(f"{GOOD_ROWS} added")
    errors_table = page.get_by_test_id("import-errors")
    expect(errors_table).to_contain_text("Row 14")
    expect(errors_table).to_contain_text("price")
    expect(errors_table).to_contain_text("condition")
    shoot(page, f"{kind}-import-2-finished")

    page.get_by_role("link", name="See your products").click()
    expect(page.get_by_test_id("seller-product-row")).to_have_count(20)
    expect(page.get_by_text("Film camera no. 7", exact=True)).to_be_visible()
    shoot(page, f"{kind}-import-3-products")

    page.get_by_role("link", name="Stock of Film camera no. 7").click()
    expect(page.get_by_test_id("stock-on-hand")).to_have_text("3")
    page.get_by_label("Change by").fill("9")
    page.get_by_label("Reason").select_option(label="Restocked")
    page.get_by_label("Note").fill("Box from the fair")
    page.get_by_role("button", name="Save change").click()
    expect(page.get_by_text("Stock updated.")).to_be_visible()
    expect(page.get_by_test_id("stock-on-hand")).to_have_text("12")
    expect(page.get_by_test_id("stock-history-row").first).to_contain_text("Box from the fair")
    page.get_by_label("Overstock above").fill("20")
    page.get_by_role("button", name="Save alerts").click()
    expect(page.get_by_text("Alert thresholds saved.")).to_be_visible()
    shoot(page, f"{kind}-stock-1-adjusted")

    # An import no worker has picked up yet: the page waits, then follows it to the end by itself.
    waiting = ProductImport.objects.create(
        seller=seller, filename="later.csv", content="title,price\nTripod,30\n", total_rows=1
    )
    page.goto(f"{base}/seller/products/import/{waiting.pk}/")
    expect(progress.get_by_role("heading", name="Waiting to start…")).to_be_visible()
    shoot(page, f"{kind}-import-4-waiting")
    product_import_run(import_id=waiting.pk)
    expect(progress).to_have_attribute("data-status", "done", timeout=10_000)
    expect(page.get_by_test_id("import-counts")).to_contain_text("1 added")

    product = Product.objects.get(seller=seller, sku="CAM-007")
    assert (product.quantity_on_hand, product.low_stock_threshold, product.overstock_threshold) == (12, 1, 20)
    assert Product.objects.filter(seller=seller).count() == GOOD_ROWS + 1
    assert errors == [], errors
