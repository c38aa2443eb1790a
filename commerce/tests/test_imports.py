"""Bulk product import from CSV: the file check, the rows through the catalog services, progress, the API and pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.models import ImportStatus, InventoryChange, Product, ProductImport
from commerce.services.imports import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    import_template_csv,
    product_import_run,
    product_import_start,
    product_imports_resend,
)
from tokshop.core.errors import ApplicationError, PermissionDenied
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import CategoryFactory, ProductFactory, picture_upload

pytestmark = pytest.mark.django_db

IMPORTS = reverse("api:seller-product-imports")
HEADER = (
    "title,description,price,currency,category,condition,tags,sku,shipping_weight_grams,quantity,low_stock_threshold"
)


def csv_upload(text: str, name: str = "products.csv", content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type=content_type)


@pytest.fixture
def seller():
    return SellerProfileFactory().user


def import_now(seller, text: str, django_capture_on_commit_callbacks) -> ProductImport:
    with django_capture_on_commit_callbacks(execute=True):
        job = product_import_start(seller=seller, upload=csv_upload(text))
    job.refresh_from_db()
    return job


def test_rows_create_products_and_an_existing_sku_updates_its_product(seller, django_capture_on_commit_callbacks):
    CategoryFactory(name="Cameras", slug="cameras")
    existing = ProductFactory(seller=seller, sku="CAM-1", title="Old title", price_cents=1000, quantity_on_hand=2)
    text = "\r\n".join(
        [
            HEADER,
            'Polaroid SX-70,Folding camera,180.00,usd,cameras,Like new,"Camera, 1970s",POL-1,650,3,1',
            "Lens cap,,4.5,,Cameras,,,,,,",
            "New title,,12.00,,,,,CAM-1,,7,",
        ]
    )

    job = import_now(seller, text, django_capture_on_commit_callbacks)

    assert (job.status, job.total_rows, job.processed_rows, job.percent) == (ImportStatus.DONE, 3, 3, 100)
    assert (job.created_count, job.updated_count, job.errors) == (2, 1, [])
    polaroid = Product.objects.get(seller=seller, sku="POL-1")
    assert (polaroid.title, polaroid.price_cents, polaroid.currency, polaroid.category.slug) == (
        "Polaroid SX-70",
        18000,
        "USD",
        "cameras",
    )
    assert (polaroid.condition, polaroid.tags, polaroid.shipping_weight_grams) == ("like_new", "camera,1970s", 650)
    assert (polaroid.quantity_on_hand, polaroid.low_stock_threshold) == (3, 1)
    cap = Product.objects.get(seller=seller, title="Lens cap")
    assert (cap.price_cents, cap.sku, cap.quantity_on_hand, cap.condition) == (450, "", 0, "new")
    existing.refresh_from_db()
    # Empty cells keep what the product had; the others replace it, and the count change is recorded.
    assert (existing.title, existing.price_cents, existing.quantity_on_hand) == ("New title", 1200, 7)
    assert InventoryChange.objects.filter(product=existing, delta_on_hand=5, reason="correction").count() == 1
    assert Product.objects.filter(seller=seller).count() == 3


def test_bad_rows_are_listed_with_their_row_and_column_and_leave_nothing_behind(
    seller, django_capture_on_commit_callbacks
):
    kept = ProductFactory(seller=seller, sku="KEEP", title="Kept", quantity_on_hand=4, overstock_threshold=5)
    text = "\n".join(
        [
            HEADER,
            ",,10.00,,,,,,,,",  # row 2: no title
            "Cheap,,0,,,,,,,,",  # row 3: price not above zero
            "Odd,,1.999,,,,,,,,",  # row 4: three decimals
            "Shelf,,5.00,,nowhere,mint,,,-1,lots,",  # row 5: four bad cells
            'Tagged,,5.00,,,,"a,b,c,d,e,f,g,h,i,j,k",,,,',  # row 6: eleven tags (the service refuses)
            "",  # row 7: blank, skipped
            "Changed,,9.00,,,,,KEEP,,9,6",  # row 8: updates then fails on the thresholds: all undone
            "Extra,,5.00,,,,,,,,,surplus",  # row 9: one cell too many
            "Good one,,5.00,eur,,,,,,2,",  # row 10: fine
        ]
    )

    job = import_now(seller, text, django_capture_on_commit_callbacks)

    assert (job.status, job.total_rows, job.created_count, job.updated_count) == (ImportStatus.DONE, 8, 1, 0)
    by_row = {error["row"]: error["fields"] for error in job.errors}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 8, 9]
    assert by_row[2] == {"title": ["Required for a new product."]}
    assert list(by_row[3]) == ["price"]
    assert list(by_row[4]) == ["price"]
    assert sorted(by_row[5]) == ["category", "condition", "quantity", "shipping_weight_grams"]
    assert by_row[5]["category"] == ["No category is called “nowhere”."]
    assert by_row[6] == {"tags": ["Use at most 10 tags."]}
    assert by_row[8] == {"overstock_threshold": ["Use a number above the low-stock threshold, or leave it empty."]}
    assert by_row[9] == {"row": ["This row has more cells than the header has columns."]}
    assert list(Product.objects.filter(seller=seller).order_by("pk").values_list("title", flat=True)) == [
        "Kept",
        "Good one",
    ]
    kept.refresh_from_db()
    assert (kept.title, kept.quantity_on_hand, kept.low_stock_threshold) == ("Kept", 4, 2)
    assert not InventoryChange.objects.filter(product=kept).exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("products.xlsx", b"title,price\nA,1\n", "application/vnd.ms-excel", "That file is not a CSV file."),
        ("products.csv", b"title,price\nA,1\n", "image/png", "That file is not a CSV file."),
        ("photo.csv", picture_upload().read(), "text/csv", "The file is not UTF-8 text."),
        ("latin.csv", "title,price\nCafé crème,1\n".encode("latin-1"), "text/csv", "The file is not UTF-8 text."),
        ("huge.csv", b"title,price\n" + b"A,1\n" * (IMPORT_MAX_BYTES // 4), "text/csv", "The file is too large."),
        ("empty.csv", b"", "text/csv", "The file is empty."),
        ("header.csv", b"name,cost\nA,1\n", "text/csv", "The header row does not match the template."),
        ("twice.csv", b"title,price,price\nA,1,2\n", "text/csv", "The header row does not match the template."),
        ("only-header.csv", b"title,price\n\n", "text/csv", "The file has no products."),
        ("many.csv", b"title,price\n" + b"A,1\n" * (IMPORT_MAX_ROWS + 1), "text/csv", "The file has too many rows."),
    ],
)
def test_a_file_of_the_wrong_type_encoding_size_or_shape_is_refused_and_nothing_stored(
    seller, name, content, content_type, message
):
    with pytest.raises(ApplicationError) as refused:
        product_import_start(seller=seller, upload=SimpleUploadedFile(name, content, content_type=content_type))

    assert refused.value.message == message
    assert list(refused.value.fields) == ["file"]
    assert not ProductImport.objects.exists()


def test_a_byte_order_mark_and_header_spacing_are_accepted(seller, django_capture_on_commit_callbacks):
    job = import_now(
        seller, "\ufeffTitle, Price ,Shipping Weight Grams\nMug,3.00,350\n", django_capture_on_commit_callbacks
    )

    assert (job.created_count, job.errors) == (1, [])
    assert Product.objects.get(seller=seller).shipping_weight_grams == 350


def test_only_sellers_import(user):
    with pytest.raises(PermissionDenied):
        product_import_start(seller=user, upload=csv_upload("title,price\nA,1\n"))


def test_the_template_is_a_file_the_import_accepts(seller, django_capture_on_commit_callbacks):
    job = import_now(seller, import_template_csv(), django_capture_on_commit_callbacks)

    assert (job.status, job.created_count, job.errors) == (ImportStatus.DONE, 2, [])


def test_running_an_import_twice_or_after_it_stopped_applies_each_row_once(seller):
    job = product_import_start(seller=seller, upload=csv_upload("title,price\nA,1\nB,2\nC,3\n"))
    # A worker died after the first row: its progress committed with the row.
    product_import_run(import_id=job.pk)
    Product.objects.filter(seller=seller).exclude(title="A").delete()
    ProductImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING,
        processed_rows=1,
        created_count=1,
        finished_at=None,
        heartbeat_at=timezone.now() - timedelta(minutes=10),
    )

    product_import_run(import_id=job.pk)
    product_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.DONE, 3, 3)
    assert sorted(Product.objects.filter(seller=seller).values_list("title", flat=True)) == ["A", "B", "C"]


def test_a_running_import_with_a_fresh_heartbeat_is_left_to_its_worker(seller):
    job = product_import_start(seller=seller, upload=csv_upload("title,price\nA,1\n"))
    ProductImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, heartbeat_at=timezone.now())

    product_import_run(import_id=job.pk)

    assert not Product.objects.filter(seller=seller).exists()


def test_the_sweep_resends_imports_stuck_in_queued_or_stalled_only(seller, django_capture_on_commit_callbacks):
    now = timezone.now()
    stuck = product_import_start(seller=seller, upload=csv_upload("title,price\nStuck,1\n"))
    fresh = product_import_start(seller=seller, upload=csv_upload("title,price\nFresh,1\n"))
    stalled = product_import_start(seller=seller, upload=csv_upload("title,price\nStalled,1\n"))
    ProductImport.objects.filter(pk=stuck.pk).update(enqueued_at=now - timedelta(minutes=6))
    ProductImport.objects.filter(pk=stalled.pk).update(
        status=ImportStatus.RUNNING, enqueued_at=now - timedelta(hours=1), heartbeat_at=now - timedelta(minutes=6)
    )

    with django_capture_on_commit_callbacks(execute=True):
        resent = product_imports_resend(now=now)

    assert resent == 2
    assert ProductImport.objects.get(pk=stuck.pk).status == ImportStatus.DONE
    assert ProductImport.objects.get(pk=stalled.pk).status == ImportStatus.DONE
    assert ProductImport.objects.get(pk=fresh.pk).status == ImportStatus.QUEUED
    assert sorted(Product.objects.filter(seller=seller).values_list("title", flat=True)) == ["Stalled", "Stuck"]
    assert product_imports_resend(now=now) == 0


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_starts_an_import_with_202_and_reports_its_progress_and_errors(seller, django_capture_on_commit_callbacks):
    client = api_for(seller)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(IMPORTS, {"file": csv_upload("title,price\nLamp,20\n,5\n")}, format="multipart")
    status = client.get(started["Location"])
    listed = client.get(IMPORTS)

    assert started.status_code == 202
    assert started["Location"] == reverse("api:seller-product-import", kwargs={"import_id": started.json()["id"]})
    body = status.json()
    assert (body["status"], body["total_rows"], body["processed_rows"], body["percent"]) == ("done", 2, 2, 100)
    assert (body["created_count"], body["updated_count"], body["error_count"]) == (1, 0, 1)
    assert body["errors"] == [{"row": 3, "fields": {"title": ["Required for a new product."]}}]
    assert "content" not in body
    assert [job["id"] for job in listed.json()["results"]] == [body["id"]]


def test_api_refuses_a_bad_file_with_400_and_stores_nothing(seller):
    client = api_for(seller)

    wrong = client.post(IMPORTS, {"file": csv_upload("x", name="products.txt")}, format="multipart")
    missing = client.post(IMPORTS, {}, format="multipart")

    assert wrong.status_code == 400
    assert wrong.json()["fields"] == {"file": ["Upload a .csv file (in a spreadsheet: Save as, CSV UTF-8)."]}
    assert missing.status_code == 400
    assert not ProductImport.objects.exists()


def test_another_seller_cannot_see_someones_import(seller, django_capture_on_commit_callbacks, client):
    job = import_now(seller, "title,price\nLamp,20\n", django_capture_on_commit_callbacks)
    other = SellerProfileFactory().user

    api = api_for(other).get(reverse("api:seller-product-import", kwargs={"import_id": job.pk}))
    listed = api_for(other).get(IMPORTS)
    client.force_login(other)
    page = client.get(reverse("commerce:seller_product_import", kwargs={"import_id": job.pk}))
    fragment = client.get(reverse("commerce:seller_product_import_status", kwargs={"import_id": job.pk}))

    assert api.status_code == 404
    assert listed.json()["results"] == []
    assert page.status_code == 404
    assert fragment.status_code == 404


def test_the_import_endpoints_are_in_the_openapi_schema(api_client):
    paths = api_client.get(reverse("schema"), {"format": "json"}).json()["paths"]

    assert "post" in paths["/api/v1/seller/products/imports/"]
    assert "202" in paths["/api/v1/seller/products/imports/"]["post"]["responses"]
    assert "get" in paths["/api/v1/seller/products/imports/{import_id}/"]


def test_the_pages_upload_a_file_and_show_its_progress_and_errors(seller, client, django_capture_on_commit_callbacks):
    client.force_login(seller)
    products = client.get(reverse("commerce:seller_products"))
    page = client.get(reverse("commerce:seller_product_import_new"))
    template = client.get(reverse("commerce:seller_product_import_template"))

    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(
            reverse("commerce:seller_product_import_new"), {"file": csv_upload("title,price\nLamp,20\nVase,-1\n")}
        )
    detail = client.get(uploaded["Location"])
    refused = client.post(reverse("commerce:seller_product_import_new"), {"file": csv_upload("x", name="a.pdf")})

    assert reverse("commerce:seller_product_import_new").encode() in products.content
    assert page.status_code == 200
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert template.content.decode().startswith(HEADER)
    assert uploaded.status_code == 302
    assert detail.status_code == 200
    assert b'data-status="done"' in detail.content
    assert b"hx-get" not in detail.content
    assert b"1 added" in detail.content.replace(b"<strong>", b"").replace(b"</strong>", b"")
    assert b"Row 3" in detail.content
    assert refused.status_code == 400
    assert b"Upload a .csv file" in refused.content
    assert ProductImport.objects.count() == 1


def test_an_unfinished_import_polls_its_status(seller, client):
    job = product_import_start(seller=seller, upload=csv_upload("title,price\nLamp,20\n"))
    client.force_login(seller)

    fragment = client.get(reverse("commerce:seller_product_import_status", kwargs={"import_id": job.pk}))

    assert b'hx-trigger="every 1s"' in fragment.content
    assert b'value="0"' in fragment.content


def test_staff_read_imports_in_the_admin_without_their_file(seller, client, django_capture_on_commit_callbacks):
    job = import_now(seller, "title,price\nSecret lamp,20\n", django_capture_on_commit_callbacks)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:commerce_productimport_changelist"), {"q": seller.email})
    change = client.get(reverse("admin:commerce_productimport_change", args=[job.pk]))

    assert listing.status_code == 200
    assert b"products.csv" in listing.content
    assert change.status_code == 200
    assert b"Secret lamp" not in change.content


def test_a_seller_runs_at_most_three_imports_at_once_and_twenty_an_hour(seller):
    for _ in range(3):
        product_import_start(seller=seller, upload=csv_upload("title,price\nA,1\n"))

    with pytest.raises(ApplicationError) as busy:
        product_import_start(seller=seller, upload=csv_upload("title,price\nA,1\n"))
    ProductImport.objects.update(status=ImportStatus.DONE)
    for _ in range(16):
        product_import_start(seller=seller, upload=csv_upload("title,price\nA,1\n"))
        ProductImport.objects.update(status=ImportStatus.DONE)
    with pytest.raises(ApplicationError) as hourly:
        product_import_start(seller=seller, upload=csv_upload("title,price\nA,1\n"))

    assert (busy.value.status, busy.value.code) == (409, "imports_busy")
    assert (hourly.value.status, hourly.value.code) == (429, "rate_limited")
    assert ProductImport.objects.count() == 19
