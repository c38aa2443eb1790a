from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest

from .models import (
    Category,
    InventoryChange,
    Order,
    OrderDispute,
    OrderEvent,
    OrderLine,
    OrderRefund,
    Product,
    ProductImage,
    ProductImport,
    Review,
    ReviewModeration,
    StockReservation,
    WebhookEvent,
)
from .services.refunds import order_refund
from .services.reviews import review_set_hidden
from .services.webhooks import webhook_event_process


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["parent"]


class ProductImageInline(admin.TabularInline):
    # Pictures are added through the seller's pages or the API, which check them and make the
    # thumbnail; here staff can reorder or delete them.
    model = ProductImage
    extra = 0
    fields = ["position", "image", "thumbnail"]
    readonly_fields = ["image", "thumbnail"]

    def has_add_permission(self, request: HttpRequest, obj: Product | None = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "seller",
        "price_cents",
        "currency",
        "quantity_on_hand",
        "quantity_reserved",
        "status",
        "category",
        "created_at",
    ]
    list_filter = ["status", "condition", "category", "currency"]
    list_select_related = ["seller", "category"]
    search_fields = ["title", "sku", "tags", "seller__email", "seller__seller_profile__shop_name"]
    raw_id_fields = ["seller"]
    # Stock counts change only through the stock services, so every change has its history row.
    readonly_fields = ["slug", "quantity_on_hand", "quantity_reserved", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [ProductImageInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StockReservation)
class StockReservationAdmin(ReadOnlyAdmin):
    list_display = ["product", "buyer", "quantity", "status", "expires_at", "created_at"]
    list_filter = ["status"]
    list_select_related = ["product", "buyer"]
    raw_id_fields = ["product", "buyer"]
    search_fields = ["product__title", "buyer__email"]


@admin.register(InventoryChange)
class InventoryChangeAdmin(ReadOnlyAdmin):
    list_display = ["product", "delta_on_hand", "delta_reserved", "reason", "actor", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["product", "actor"]
    raw_id_fields = ["product", "actor", "reservation"]
    search_fields = ["product__title"]


class OrderRecordInline(admin.TabularInline):
    """Lines and records of an order, shown as written: they change only through the services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderLineInline(OrderRecordInline):
    model = OrderLine
    fields = ("product", "title", "unit_price_cents", "quantity")
    readonly_fields = fields


class OrderEventInline(OrderRecordInline):
    model = OrderEvent
    fields = ("created_at", "actor", "from_status", "to_status", "note")
    readonly_fields = fields


class OrderRefundInline(OrderRecordInline):
    model = OrderRefund
    fields = ("created_at", "actor", "amount_cents", "reason", "reference")
    readonly_fields = fields


class OrderDisputeInline(OrderRecordInline):
    model = OrderDispute
    fields = ("created_at", "reference", "amount_cents", "reason", "status")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    # Orders change state only through the order services (audit rows, stock, notifications):
    # staff read them here.
    list_display = ["number", "buyer", "seller", "status", "total_cents", "currency", "created_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["buyer", "seller"]
    search_fields = ["=id", "buyer__email", "seller__email", "shipping_name", "tracking_number"]
    raw_id_fields = ["buyer", "seller"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline, OrderRefundInline, OrderDisputeInline]
    actions = ["refund_in_full"]

    @admin.action(description="Refund what is left of the payment")
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        # The seller's refund service, so the gateway, audit trail and buyer e-mail are the same.
        done = 0
        for order_id in queryset.values_list("pk", flat=True):
            try:
                order_refund(actor=request.user, order_id=order_id, reason="Refunded by Tokshop staff")  # type: ignore[arg-type]
            except ApplicationError as error:
                self.message_user(request, f"Order {order_id}: {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} order(s) refunded.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReviewModerationInline(admin.TabularInline):
    model = ReviewModeration
    extra = 0
    fields = ("created_at", "actor", "is_hidden", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    # Staff do not rewrite buyers' words: they hide or show a review, through the service that
    # keeps the audit trail.
    list_display = ["product", "author", "seller", "rating", "seller_rating", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "rating", "seller_rating"]
    list_select_related = ["product", "author", "seller"]
    search_fields = ["text", "answer", "product__title", "author__email", "seller__email"]
    raw_id_fields = ["order_line", "author", "product", "seller"]
    date_hierarchy = "created_at"
    actions = ["hide_reviews", "show_reviews"]
    inlines = [ReviewModerationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        # The change form stays closed, but hiding is a change: it needs the change permission.
        return request.user.has_perm("commerce.change_review")

    def _set_hidden(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Review], *, hidden: bool) -> None:
        for review_id in queryset.order_by("pk").values_list("pk", flat=True):
            review_set_hidden(actor=request.user, review_id=review_id, hidden=hidden, note="From the admin")
        self.message_user(
            request, f"{queryset.count()} review(s) {'hidden' if hidden else 'shown'}.", level=messages.SUCCESS
        )

    @admin.action(description="Hide the selected reviews from pages and averages", permissions=["moderate"])
    def hide_reviews(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Review]) -> None:
        self._set_hidden(request, queryset, hidden=True)

    @admin.action(description="Show the selected reviews again", permissions=["moderate"])
    def show_reviews(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Review]) -> None:
        self._set_hidden(request, queryset, hidden=False)


@admin.register(ProductImport)
class ProductImportAdmin(admin.ModelAdmin):
    # Imports run only through the import service; staff read them, and delete old ones.
    list_display = ["filename", "seller", "status", "total_rows", "created_count", "updated_count", "created_at"]
    list_filter = ["status"]
    list_select_related = ["seller"]
    search_fields = ["=id", "seller__email", "filename"]
    raw_id_fields = ["seller"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "seller",
        "filename",
        "status",
        "total_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "errors",
        "created_at",
        "enqueued_at",
        "heartbeat_at",
        "finished_at",
    ]
    exclude = ["content"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    # The inbox as received: read-only, with a way to process a stuck event now.
    list_display = ["event_id", "type", "received_at", "processed_at", "attempts", "last_error"]
    list_filter = ["type", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=event_id", "type"]
    date_hierarchy = "received_at"
    readonly_fields = ["event_id", "type", "payload", "received_at", "processed_at", "attempts", "last_error"]
    actions = ["process_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Process now (unprocessed events only)")
    def process_now(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        done = sum(
            webhook_event_process(event_pk=pk)
            for pk in queryset.filter(processed_at__isnull=True).values_list("pk", flat=True)
        )
        self.message_user(request, f"{done} event(s) processed.", messages.SUCCESS)
