from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from tokshop.core.http import AuthenticatedHttpRequest

from .catalog_cache import catalog_changed
from .models import (
    Category,
    InventoryChange,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductImage,
    Review,
    ReviewModeration,
    StockReservation,
)
from .services.reviews import review_set_hidden


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
    # Staff edits bypass the catalog services, so each one drops the cached catalog pages itself.
    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        catalog_changed()

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        super().delete_model(request, obj)
        catalog_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        super().delete_queryset(request, queryset)
        catalog_changed()

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


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("product", "title", "unit_price_cents", "quantity")
    readonly_fields = ("product", "title", "unit_price_cents", "quantity")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ("created_at", "actor", "from_status", "to_status", "note")
    readonly_fields = ("created_at", "actor", "from_status", "to_status", "note")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


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
    inlines = [OrderLineInline, OrderEventInline]

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
