import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Category(models.Model):
    """A shelf products are filed under; a category may sit inside another one."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Condition(models.TextChoices):
    NEW = "new", "New"
    LIKE_NEW = "like_new", "Like new"
    GOOD = "good", "Good"
    FAIR = "fair", "Fair"


class ProductStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> "ProductQuerySet":
        return self.filter(status=ProductStatus.ACTIVE)

    def in_stock(self) -> "ProductQuerySet":
        return self.filter(quantity_on_hand__gt=models.F("quantity_reserved"))


class Product(models.Model):
    """Something a seller offers; buyers find it by search and on the seller's shop page."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="products",
        limit_choices_to={"is_seller": True},
    )
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, allow_unicode=False)
    description = models.TextField(blank=True, max_length=5000)
    price_cents = models.PositiveIntegerField(help_text="The price in the currency's smallest unit.")
    currency = models.CharField(max_length=3, default="USD")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="products")
    condition = models.CharField(max_length=16, choices=Condition.choices, default=Condition.NEW)
    # Lowercase words separated by commas; a plain column so the embedded SQLite can search it too.
    tags = models.CharField(max_length=255, blank=True)
    sku = models.CharField("SKU", max_length=64, blank=True, help_text="The seller's own stock code.")
    shipping_weight_grams = models.PositiveIntegerField(default=0)
    quantity_on_hand = models.PositiveIntegerField(default=0)
    # Units held for buyers in checkout; only the stock services change it, with conditional UPDATEs.
    quantity_reserved = models.PositiveIntegerField(default=0, editable=False)
    low_stock_threshold = models.PositiveSmallIntegerField(
        default=2, help_text="Tell the seller once when the stock falls to this many or fewer."
    )
    overstock_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Tell the seller once when the stock rises above this many; empty for never."
    )
    status = models.CharField(max_length=16, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ProductQuerySet] = ProductQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_cents__gt=0), name="product_price_positive"),
            models.CheckConstraint(condition=models.Q(quantity_on_hand__gte=0), name="product_quantity_not_negative"),
            models.CheckConstraint(condition=~models.Q(title=""), name="product_title_not_empty"),
            # The last line of defence against overselling: whatever a service does, the database
            # refuses to reserve more than is on hand.
            models.CheckConstraint(
                condition=models.Q(quantity_reserved__gte=0, quantity_reserved__lte=models.F("quantity_on_hand")),
                name="product_reserved_within_on_hand",
            ),
            # Blank SKUs are allowed many times; a SKU a seller did give names one product of theirs.
            models.UniqueConstraint(
                fields=["seller", "sku"], condition=~models.Q(sku=""), name="product_sku_unique_per_seller"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "status", "-created_at"], name="product_seller_status_idx"),
            models.Index(fields=["status", "-created_at"], name="product_status_created_idx"),
            models.Index(fields=["status", "price_cents"], name="product_status_price_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("commerce:product", kwargs={"product_id": self.pk, "slug": self.slug})

    @property
    def is_active(self) -> bool:
        return self.status == ProductStatus.ACTIVE

    @property
    def quantity_available(self) -> int:
        return self.quantity_on_hand - self.quantity_reserved

    @property
    def is_in_stock(self) -> bool:
        return self.quantity_available > 0

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


def product_image_upload_to(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id}/{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1].lower()}"


def product_thumbnail_upload_to(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id}/thumbs/{secrets.token_hex(8)}.jpg"


class ProductImage(models.Model):
    """A picture of a product, with a small copy for lists and grids."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_upload_to)
    thumbnail = models.ImageField(upload_to=product_thumbnail_upload_to)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["product", "position"], name="productimage_product_pos_idx")]

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMMITTED = "committed", "Committed"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"


class StockReservationQuerySet(models.QuerySet["StockReservation"]):
    def active(self) -> "StockReservationQuerySet":
        return self.filter(status=ReservationStatus.ACTIVE)


class StockReservation(models.Model):
    """Units of a product held for one buyer's checkout until they pay or the hold expires."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stock_reservations")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey("Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="reservations")

    objects: ClassVar[StockReservationQuerySet] = StockReservationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="reservation_quantity_positive"),
        ]
        indexes = [
            # The sweep reads only active holds by expiry.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="active"),
                name="reservation_active_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id} for {self.buyer_id} ({self.status})"


class InventoryReason(models.TextChoices):
    LISTED = "listed", "Listed"
    RESERVED = "reserved", "Reserved for a checkout"
    RELEASED = "released", "Reservation released"
    EXPIRED = "expired", "Reservation expired"
    SOLD = "sold", "Sold"
    RESTOCK = "restock", "Restocked"
    CORRECTION = "correction", "Count corrected"
    DAMAGED = "damaged", "Damaged or lost"
    RETURNED = "returned", "Returned to stock"


# The reasons a seller may give for changing the count by hand.
SELLER_ADJUST_REASONS = frozenset(
    {InventoryReason.RESTOCK, InventoryReason.CORRECTION, InventoryReason.DAMAGED, InventoryReason.RETURNED}
)


class InventoryChange(models.Model):
    """One change to a product's stock, kept for ever: who, why, by how much."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="inventory_changes")
    delta_on_hand = models.IntegerField(default=0)
    delta_reserved = models.IntegerField(default=0)
    reason = models.CharField(max_length=16, choices=InventoryReason.choices)
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reservation = models.ForeignKey(
        StockReservation, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    order = models.ForeignKey("Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"], name="inventorychange_product_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.delta_on_hand:+d} on hand, {self.delta_reserved:+d} reserved ({self.reason})"


class Cart(models.Model):
    """A buyer's basket: what they mean to buy, not yet held or priced."""

    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart of {self.buyer_id}"


CART_LINE_MAX = 99


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="cart_items")
    quantity = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cartitem_one_line_per_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=CART_LINE_MAX), name="cartitem_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id}"

    @property
    def line_total_cents(self) -> int:
        return self.product.price_cents * self.quantity


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Awaiting payment"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class Order(models.Model):
    """What one buyer bought from one seller in one checkout; amounts are the server's, in cents."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    currency = models.CharField(max_length=3)
    subtotal_cents = models.PositiveIntegerField()
    shipping_cents = models.PositiveIntegerField()
    total_cents = models.PositiveIntegerField()
    shipping_name = models.CharField(max_length=120)
    shipping_line1 = models.CharField(max_length=200)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100)
    shipping_postal_code = models.CharField(max_length=20)
    shipping_country = models.CharField(max_length=2)
    payment_reference = models.CharField(max_length=100, blank=True, db_index=True)
    payment_failure = models.CharField(max_length=200, blank=True, help_text="Why the last payment attempt failed.")
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refunded_cents = models.PositiveIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_cents__lte=models.F("total_cents")), name="order_refund_within_total"
            ),
            models.CheckConstraint(
                condition=models.Q(total_cents=models.F("subtotal_cents") + models.F("shipping_cents")),
                name="order_total_is_subtotal_plus_shipping",
            ),
            # Only a prize (a giveaway's winner's order) is free, and then free of shipping too.
            models.CheckConstraint(
                condition=models.Q(subtotal_cents__gt=0) | models.Q(total_cents=0), name="order_subtotal_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_created_idx"),
            models.Index(fields=["seller", "status", "-created_at"], name="order_seller_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("commerce:order", kwargs={"order_id": self.pk})

    @property
    def number(self) -> str:
        return f"TS-{self.pk:06d}"


class OrderLine(models.Model):
    """One product of an order, with the title and price it had at checkout."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    title = models.CharField(max_length=120)
    unit_price_cents = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class OrderEvent(models.Model):
    """The audit trail of an order: every change of state, who made it and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} -> {self.to_status}"


class WishlistItem(models.Model):
    """A product a buyer saved for later; they hear when it comes back in stock."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="wishlist_items")
    created_at = models.DateTimeField(auto_now_add=True)
    # When this buyer was last told the product is back, so a hold that expires again and again
    # does not tell them every time.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "product"], name="wishlistitem_one_per_product"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="wishlistitem_buyer_created_idx"),
            models.Index(fields=["product"], name="wishlistitem_product_idx"),
        ]

    def __str__(self) -> str:
        return f"product {self.product_id} saved by {self.buyer_id}"


RATING_MIN, RATING_MAX = 1, 5


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible(self) -> "ReviewQuerySet":
        return self.filter(is_hidden=False)


class Review(models.Model):
    """A buyer's word on one delivered order line: a rating of the product, one of the seller, and text."""

    order_line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="review")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_written")
    # Copied from the order line so the product's and the shop's averages are one indexed aggregate each.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received")
    rating = models.PositiveSmallIntegerField(help_text="The product, 1 to 5 stars.")
    seller_rating = models.PositiveSmallIntegerField(help_text="The seller, 1 to 5 stars.")
    text = models.TextField(blank=True, max_length=2000)
    answer = models.TextField(blank=True, max_length=2000, help_text="The seller's one public answer.")
    answered_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False, help_text="Hidden by staff: out of pages and averages.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ReviewQuerySet] = ReviewQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX), name="review_rating_range"
            ),
            models.CheckConstraint(
                condition=models.Q(seller_rating__gte=RATING_MIN, seller_rating__lte=RATING_MAX),
                name="review_seller_rating_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "-created_at"], name="review_product_idx", condition=models.Q(is_hidden=False)
            ),
            models.Index(
                fields=["seller", "-created_at"], name="review_seller_idx", condition=models.Q(is_hidden=False)
            ),
            models.Index(fields=["author", "-created_at"], name="review_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on product {self.product_id} by {self.author_id}"


class ReviewModeration(models.Model):
    """The audit trail of staff hiding and showing reviews."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderations")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_hidden = models.BooleanField(help_text="The state the review was put in.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"review {self.review_id} {'hidden' if self.is_hidden else 'shown'}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"


class ProductImport(models.Model):
    """A seller's CSV file of products, read row by row in the background; each row is kept or refused whole."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_imports")
    filename = models.CharField(max_length=255)
    # The decoded text, so whichever worker picks the import up can read it (no shared disk needed).
    content = models.TextField()
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField()
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # [{"row": 3, "fields": {"price": ["…"]}}, …] with spreadsheet row numbers (the header is row 1).
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(default=timezone.now)
    # Moves with every row, so the sweep can tell a stalled run from a long one.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed_rows__lte=models.F("total_rows")), name="productimport_progress_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "-created_at"], name="productimport_seller_idx"),
            # The sweep reads only unfinished imports.
            models.Index(
                fields=["status", "enqueued_at"],
                condition=~models.Q(status="done"),
                name="productimport_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.filename} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("commerce:seller_product_import", kwargs={"import_id": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status == ImportStatus.DONE

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def percent(self) -> int:
        return 100 if self.is_finished else (100 * self.processed_rows) // max(self.total_rows, 1)


class OrderRefund(models.Model):
    """Money given back on an order, by its seller, staff or at Stripe's dashboard (actor unknown)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="The gateway's refund id.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="orderrefund_positive")]

    def __str__(self) -> str:
        return f"Refund of {self.amount_cents} on order {self.order_id}"


class OrderDispute(models.Model):
    """A chargeback the buyer's bank opened, as Stripe reported it."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    reference = models.CharField(max_length=100, unique=True, help_text="Stripe's dispute id.")
    amount_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Dispute {self.reference} on order {self.order_id}"


class PaymentCustomer(models.Model):
    """A buyer's customer at Stripe, where their saved cards live."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_customer")
    reference = models.CharField(max_length=100, unique=True, help_text="Stripe's customer id.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference} for {self.user_id}"


class WebhookEventQuerySet(models.QuerySet["WebhookEvent"]):
    def unprocessed(self) -> "WebhookEventQuerySet":
        return self.filter(processed_at__isnull=True)


class WebhookEvent(models.Model):
    """The inbox: every Stripe event stored once, as received, and processed exactly once."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    objects = WebhookEventQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(
                fields=["received_at"], name="webhookevent_unprocessed_idx", condition=models.Q(processed_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
