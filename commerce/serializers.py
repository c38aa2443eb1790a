from typing import Any

from rest_framework import serializers

from .models import (
    CART_LINE_MAX,
    SELLER_ADJUST_REASONS,
    CartItem,
    Category,
    Condition,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
    ProductImage,
    ProductStatus,
)
from .selectors import SORTS

# Fields a client may send that name who owns a product or where it stands: never taken from input.
PROTECTED_FIELDS = ("id", "seller", "seller_id", "status", "created_at", "updated_at")


class CategoryOutputSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField[Category](slug_field="slug", read_only=True, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent"]


class ProductImageOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductImage
        fields = ["id", "image", "thumbnail", "position"]


class ShopRefOutputSerializer(serializers.Serializer):
    shop_name = serializers.CharField()
    slug = serializers.CharField()
    is_verified = serializers.BooleanField()


class RatingOutputSerializer(serializers.Serializer):
    average = serializers.FloatField(
        source="rating_average", allow_null=True, help_text="Mean of the visible reviews; null without any."
    )
    count = serializers.IntegerField(source="rating_count")


class ProductOutputSerializer(serializers.ModelSerializer):
    category = CategoryOutputSerializer(read_only=True, allow_null=True)
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    shop = ShopRefOutputSerializer(source="seller.seller_profile", read_only=True, allow_null=True)
    images = ProductImageOutputSerializer(many=True, read_only=True)
    in_stock = serializers.BooleanField(source="is_in_stock", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    rating = RatingOutputSerializer(source="*", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "title",
            "slug",
            "description",
            "price_cents",
            "currency",
            "category",
            "condition",
            "tags",
            "quantity_on_hand",
            "quantity_available",
            "in_stock",
            "shop",
            "images",
            "url",
            "rating",
            "created_at",
        ]
        read_only_fields = fields


class SellerProductOutputSerializer(ProductOutputSerializer):
    class Meta(ProductOutputSerializer.Meta):
        fields = [*ProductOutputSerializer.Meta.fields, "sku", "shipping_weight_grams", "status", "updated_at"]
        read_only_fields = fields


class ProductSuggestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class ProductInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    price_cents = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    category_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=10, required=False, help_text="Up to 10 tags."
    )
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    shipping_weight_grams = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    quantity_on_hand = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Mass assignment: refuse, rather than silently drop, an attempt to set the owner or status.
        sent = [name for name in PROTECTED_FIELDS if name in self.initial_data]
        if sent:
            raise serializers.ValidationError({name: ["This field cannot be set."] for name in sent})
        return attrs


class SellerProductFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProductStatus.choices, required=False)
    category_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    q = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProductSearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Words to search for.")
    category = serializers.SlugField(required=False, help_text="A category slug (subcategories included).")
    price_min = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, help_text="In cents.")
    price_max = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, help_text="In cents.")
    seller = serializers.SlugField(required=False, help_text="A shop slug.")
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=[(s, s) for s in SORTS], required=False, default="relevance")


class ProductSuggestInputSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="What has been typed so far (two characters or more).")


class ProductImageInputSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG, PNG or WebP picture under 5 MB.")


class CartProductOutputSerializer(serializers.ModelSerializer):
    thumbnail = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField(source="is_in_stock", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "title", "price_cents", "currency", "in_stock", "thumbnail", "url"]
        read_only_fields = fields

    def get_thumbnail(self, product: Product) -> str | None:
        picture = next(iter(product.images.all()), None)
        if picture is None:
            return None
        request = self.context.get("request")
        url = picture.thumbnail.url
        return request.build_absolute_uri(url) if request else url


class CartItemOutputSerializer(serializers.ModelSerializer):
    product = CartProductOutputSerializer(read_only=True)
    line_total_cents = serializers.IntegerField(read_only=True)

    class Meta:
        model = CartItem
        fields = ["id", "product", "quantity", "line_total_cents"]
        read_only_fields = fields


class CartOutputSerializer(serializers.Serializer):
    items = CartItemOutputSerializer(many=True)
    count = serializers.IntegerField(help_text="Units in the cart.")
    subtotal_cents = serializers.IntegerField(help_text="Today's prices; shipping is added at checkout.")
    currency = serializers.CharField()


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not declare, naming each one, instead of silently dropping them."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["This field cannot be sent here."] for name in unknown})
        return super().to_internal_value(data)


# A price, seller or currency sent with a cart line is refused by name: the catalog decides them.
class CartItemCreateInputSerializer(StrictInputSerializer):
    product_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=CART_LINE_MAX, default=1)


class CartItemUpdateInputSerializer(StrictInputSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=CART_LINE_MAX)


class CheckoutInputSerializer(StrictInputSerializer):
    shipping_name = serializers.CharField(max_length=120)
    shipping_line1 = serializers.CharField(max_length=200)
    shipping_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    shipping_city = serializers.CharField(max_length=100)
    shipping_postal_code = serializers.CharField(max_length=20)
    shipping_country = serializers.CharField(min_length=2, max_length=2, help_text="Two-letter code, such as US.")


class OrderPayInputSerializer(StrictInputSerializer):
    card_number = serializers.RegexField(
        r"^[0-9 ]{12,23}$", help_text="With the test gateway: 4242424242424242 pays, 4000000000000002 is declined."
    )


class OrderShipInputSerializer(StrictInputSerializer):
    carrier = serializers.CharField(max_length=60)
    tracking_number = serializers.CharField(max_length=100)


class OrderLineOutputSerializer(serializers.ModelSerializer):
    line_total_cents = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrderLine
        fields = ["id", "product_id", "title", "unit_price_cents", "quantity", "line_total_cents"]
        read_only_fields = fields


class OrderEventOutputSerializer(serializers.ModelSerializer):
    # The first event of an order comes from no status: blank, which the schema must allow too.
    from_status = serializers.ChoiceField(choices=OrderStatus.choices, allow_blank=True, read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "note", "created_at"]
        read_only_fields = fields


class OrderOutputSerializer(serializers.ModelSerializer):
    shop = ShopRefOutputSerializer(source="seller.seller_profile", read_only=True, allow_null=True)
    lines = OrderLineOutputSerializer(many=True, read_only=True)
    events = OrderEventOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "shop",
            "currency",
            "subtotal_cents",
            "shipping_cents",
            "total_cents",
            "lines",
            "shipping_name",
            "shipping_line1",
            "shipping_line2",
            "shipping_city",
            "shipping_postal_code",
            "shipping_country",
            "payment_failure",
            "carrier",
            "tracking_number",
            "created_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "refunded_cents",
            "refunded_at",
            "events",
        ]
        read_only_fields = fields


class SellerOrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


class StockAdjustInputSerializer(StrictInputSerializer):
    delta = serializers.IntegerField(
        min_value=-1_000_000, max_value=1_000_000, help_text="Units to add (positive) or remove (negative)."
    )
    reason = serializers.ChoiceField(choices=sorted(SELLER_ADJUST_REASONS))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
