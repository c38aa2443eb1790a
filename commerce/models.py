import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse


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
        return self.filter(quantity_on_hand__gt=0)


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
    def is_in_stock(self) -> bool:
        return self.quantity_on_hand > 0

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
