from django.contrib import admin
from django.http import HttpRequest

from .models import Category, Product, ProductImage


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
        "status",
        "category",
        "created_at",
    ]
    list_filter = ["status", "condition", "category", "currency"]
    list_select_related = ["seller", "category"]
    search_fields = ["title", "sku", "tags", "seller__email", "seller__seller_profile__shop_name"]
    raw_id_fields = ["seller"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [ProductImageInline]
