"""Bulk product import from a seller's CSV file: checked whole on upload, then read row by row in the
background through the catalog services, each row kept or refused whole."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tokshop.core.errors import ApplicationError, Conflict, PermissionDenied
from tokshop.core.ratelimit import Rate, rate_limit_enforce
from tokshop.users.models import User

from ..models import Category, Condition, ImportStatus, Product, ProductImport
from .catalog import product_create, product_update
from .inventory import LOW_STOCK_THRESHOLD_MAX, stock_thresholds_set

IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 1000
# Rows committed together with the import's progress: one commit per row cost more than the rows
# themselves, and 25 rows still move the progress bar forty times in the largest file.
IMPORT_BATCH_ROWS = 25
IMPORTS_UNFINISHED_MAX = 3
IMPORTS_PER_HOUR = 20
IMPORT_COLUMNS = (
    "title",
    "description",
    "price",
    "currency",
    "category",
    "condition",
    "tags",
    "sku",
    "shipping_weight_grams",
    "quantity",
    "low_stock_threshold",
)
REQUIRED_COLUMNS = ("title", "price")
# Browsers label a .csv file in many ways (Excel's name on Windows, plain text elsewhere); the
# bytes decide, these only turn away what is plainly something else.
IMPORT_CONTENT_TYPES = frozenset(
    {
        "",
        "text/csv",
        "text/plain",
        "application/csv",
        "text/comma-separated-values",
        "application/vnd.ms-excel",
        "application/octet-stream",
    }
)
# A queued import nobody picked up, or a running one whose rows stopped moving, for this long is sent
# to the workers again; a row takes milliseconds, so five minutes of silence means the message or
# the worker was lost.
IMPORT_STALE_AFTER = timedelta(minutes=5)
PRICE_MAX = Decimal("21474836.47")
COUNT_MAX = 2_147_483_647
# Service field names as the file calls them, so a refused row points at its column.
EXTRA_CELLS = "__extra_cells__"
COLUMN_FOR_FIELD = {"price_cents": "price", "category_id": "category", "quantity_on_hand": "quantity"}
CONDITIONS = {
    **{value: value for value in Condition.values},
    **{str(label).lower(): value for value, label in Condition.choices},
}
TEMPLATE_ROWS = (
    IMPORT_COLUMNS,
    (
        "Polaroid SX-70",
        "Folding instant camera, tested.",
        "180.00",
        "USD",
        "",
        "good",
        "camera, 1970s",
        "CAM-001",
        "650",
        "3",
        "1",
    ),
    ("Leica M3 strap", "", "24.50", "USD", "", "like_new", "strap", "STRAP-7", "40", "12", "2"),
)


def import_template_csv() -> str:
    """A CSV file with the columns an import reads and two example rows."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(TEMPLATE_ROWS)
    return buffer.getvalue()


def _refuse(message: str, hint: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_file", fields={"file": [hint]})


def _header_normalize(header: list[str]) -> list[str]:
    return ["_".join(name.strip().lower().split()) for name in header]


def _file_read(upload: UploadedFile) -> tuple[str, int]:
    """The text of an uploaded CSV file and its number of product rows, or a refusal saying what to fix."""
    name = upload.name or ""
    if not name.lower().endswith(".csv") or (upload.content_type or "") not in IMPORT_CONTENT_TYPES:
        raise _refuse("That file is not a CSV file.", "Upload a .csv file (in a spreadsheet: Save as, CSV UTF-8).")
    if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
        raise _refuse("The file is too large.", f"Use a file under {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
    raw = upload.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise _refuse("The file is too large.", f"Use a file under {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        # A NUL byte never appears in text: a spreadsheet or a picture renamed .csv has plenty.
        if b"\x00" in raw:
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"), raw.index(b"\x00") + 1, "NUL byte")
        # Spreadsheets often start a UTF-8 file with a byte-order mark; it is not part of the header.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse("The file is not UTF-8 text.", "Save the file as CSV UTF-8 and upload it again.") from exc
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _refuse("The file is not a valid CSV file.", f"It could not be read: {exc}.") from exc
    if not rows:
        raise _refuse("The file is empty.", "Start from the template: a header row, then one row per product.")
    header = _header_normalize(rows[0])
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append("add the column(s) " + ", ".join(missing))
        if unknown:
            problems.append("remove or rename " + ", ".join(f"“{name}”" for name in unknown))
        if duplicated:
            problems.append("keep one column " + ", ".join(duplicated))
        hint = "; ".join(problems).capitalize() + ". The template lists every column."
        raise _refuse("The header row does not match the template.", hint)
    count = sum(1 for row in rows[1:] if any(cell.strip() for cell in row))
    if count == 0:
        raise _refuse("The file has no products.", "Add one row per product below the header.")
    if count > IMPORT_MAX_ROWS:
        raise _refuse("The file has too many rows.", f"Import at most {IMPORT_MAX_ROWS} products per file.")
    return text, count


def product_import_start(*, seller: User, upload: UploadedFile) -> ProductImport:
    """Check an uploaded CSV file as a whole and queue it for import; rows are checked one by one later.

    A file of the wrong type, encoding, size or header is refused and nothing is stored.
    """
    if not seller.is_seller:
        raise PermissionDenied("Open a shop before you add products.")
    # Each file is kept on its import row: an hourly allowance bounds what one account can store.
    rate_limit_enforce(
        scope="product-import",
        key=str(seller.pk),
        rate=Rate(IMPORTS_PER_HOUR, 3600),
        message=f"You can start {IMPORTS_PER_HOUR} imports an hour; try again later.",
    )
    text, count = _file_read(upload)
    with transaction.atomic():
        # The seller's row lock makes the count and the insert one step for two uploads at once.
        User.objects.select_for_update().filter(pk=seller.pk).first()
        unfinished = ProductImport.objects.filter(seller=seller).exclude(status=ImportStatus.DONE).count()
        if unfinished >= IMPORTS_UNFINISHED_MAX:
            raise Conflict(
                f"{unfinished} of your imports are still running; start another when one has finished.",
                code="imports_busy",
            )
        job = ProductImport.objects.create(
            seller=seller, filename=(upload.name or "products.csv")[-255:], content=text, total_rows=count
        )
        _import_enqueue(job.pk)
    return job


def _import_enqueue(import_id: int) -> None:
    from ..tasks import product_import_run_task

    transaction.on_commit(lambda: product_import_run_task.delay(import_id), robust=True)


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    low_stock_threshold: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def _whole_number(text: str, column: str, row: _Row, *, maximum: int = COUNT_MAX) -> int | None:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= maximum:
        row.errors[column] = [f"Use a whole number from 0 to {maximum}."]
        return None
    return number


def _price_cents(text: str, row: _Row) -> int | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount > PRICE_MAX or amount != amount.quantize(Decimal("0.01")):
        row.errors["price"] = [f"Use a price such as 24.50: more than 0, at most {PRICE_MAX}, two decimals."]
        return None
    return int(amount * 100)


def _row_parse(number: int, cells: dict[str, str], categories: dict[str, int]) -> _Row:
    """The service arguments a row asks for; an empty cell is left out (default, or unchanged)."""
    row = _Row(number=number)
    given = {name: (value or "").strip() for name, value in cells.items() if name in IMPORT_COLUMNS}
    given = {name: value for name, value in given.items() if value}
    for text_field in ("title", "description", "currency", "tags", "sku"):
        if text_field in given:
            row.values[text_field] = given[text_field]
    if "price" in given:
        row.values["price_cents"] = _price_cents(given["price"], row)
    if "category" in given:
        category_id = categories.get(given["category"].lower())
        if category_id is None:
            row.errors["category"] = [f"No category is called “{given['category']}”."]
        row.values["category_id"] = category_id
    if "condition" in given:
        condition = CONDITIONS.get(given["condition"].lower())
        if condition is None:
            row.errors["condition"] = ["Use one of: " + ", ".join(Condition.values) + "."]
        row.values["condition"] = condition
    if "shipping_weight_grams" in given:
        row.values["shipping_weight_grams"] = _whole_number(
            given["shipping_weight_grams"], "shipping_weight_grams", row
        )
    if "quantity" in given:
        row.values["quantity_on_hand"] = _whole_number(given["quantity"], "quantity", row)
    if "low_stock_threshold" in given:
        row.low_stock_threshold = _whole_number(
            given["low_stock_threshold"], "low_stock_threshold", row, maximum=LOW_STOCK_THRESHOLD_MAX
        )
    return row


def _row_write(*, seller: User, row: _Row) -> bool:
    """Create the row's product, or update the seller's product with its SKU; True when created."""
    sku = row.values.get("sku", "")
    existing = Product.objects.filter(seller=seller, sku=sku).values_list("pk", flat=True).first() if sku else None
    if existing is None:
        missing = {name: ["Required for a new product."] for name in ("title", "price_cents") if name not in row.values}
        if missing:
            raise ApplicationError("The row is missing required values.", fields=missing)
        product = product_create(seller=seller, **row.values)
    else:
        product = product_update(seller=seller, product_id=existing, **row.values)
    if row.low_stock_threshold is not None:
        stock_thresholds_set(
            seller=seller,
            product_id=product.pk,
            low_stock_threshold=row.low_stock_threshold,
            overstock_threshold=product.overstock_threshold,
        )
    return existing is None


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header_normalize(next(reader))
    rows = []
    # Numbered as a spreadsheet numbers them: the header is row 1, blank rows count but are skipped.
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            values[EXTRA_CELLS] = "yes"
        rows.append((number, values))
    return rows


def _claim(import_id: int, now: datetime) -> bool:
    # One conditional UPDATE: of two workers handed the same import, one runs it. A running import
    # whose rows stopped moving is taken over and resumed where it stopped.
    stale = now - IMPORT_STALE_AFTER
    return bool(
        ProductImport.objects.filter(pk=import_id)
        .filter(Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=stale))
        .update(status=ImportStatus.RUNNING, heartbeat_at=now)
    )


def product_import_run(*, import_id: int) -> None:
    """Read a queued import's rows, from where it stopped, through the catalog services.

    Each batch of rows commits with the import's progress in one transaction, so a row is applied
    exactly once however often the run is sent, stopped or resumed. Safe to run twice or at once.
    """
    if not _claim(import_id, timezone.now()):
        return
    job = ProductImport.objects.select_related("seller").get(pk=import_id)
    categories = {c.slug.lower(): c.pk for c in Category.objects.all()}
    categories.update({c.name.lower(): c.pk for c in Category.objects.all()})
    rows = _rows(job.content)
    for start in range(job.processed_rows, len(rows), IMPORT_BATCH_ROWS):
        batch = rows[start : start + IMPORT_BATCH_ROWS]
        if not _batch_import(job=job, start=start, batch=batch, categories=categories):
            return
    ProductImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING, processed_rows=job.total_rows).update(
        status=ImportStatus.DONE, finished_at=timezone.now()
    )


def _batch_import(
    *, job: ProductImport, start: int, batch: list[tuple[int, dict[str, str]]], categories: dict[str, int]
) -> bool:
    with transaction.atomic():
        # Without the file's text: it was read once for the run, and may be megabytes.
        current = ProductImport.objects.select_for_update().defer("content").get(pk=job.pk)
        if current.status != ImportStatus.RUNNING or current.processed_rows != start:
            # Another run took this import over; it carries on from its own place.
            return False
        for number, cells in batch:
            row = _row_parse(number, cells, categories)
            if EXTRA_CELLS in cells:
                row.errors["row"] = ["This row has more cells than the header has columns."]
            created = None
            if not row.errors:
                try:
                    # A savepoint: a refused row leaves no product, no history and no half update behind.
                    with transaction.atomic():
                        created = _row_write(seller=job.seller, row=row)
                except ApplicationError as error:
                    fields = {COLUMN_FOR_FIELD.get(name, name): messages for name, messages in error.fields.items()}
                    row.errors = fields or {"row": [error.message]}
            if row.errors:
                current.errors.append({"row": number, "fields": row.errors})
            elif created:
                current.created_count += 1
            else:
                current.updated_count += 1
        current.processed_rows = start + len(batch)
        current.heartbeat_at = timezone.now()
        current.save(update_fields=["processed_rows", "heartbeat_at", "errors", "created_count", "updated_count"])
    job.processed_rows = start + len(batch)
    return True


@transaction.atomic
def product_imports_resend(*, now: datetime | None = None) -> int:
    """Send again every import left queued, or stalled while running, for IMPORT_STALE_AFTER; returns how many."""
    now = now or timezone.now()
    stale = now - IMPORT_STALE_AFTER
    due = list(
        ProductImport.objects.select_for_update(skip_locked=True)
        .filter(
            Q(status=ImportStatus.QUEUED, enqueued_at__lt=stale)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=stale)
        )
        .values_list("pk", flat=True)
    )
    ProductImport.objects.filter(pk__in=due).update(enqueued_at=now)
    for import_id in due:
        _import_enqueue(import_id)
    return len(due)
