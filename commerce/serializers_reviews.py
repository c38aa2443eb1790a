from rest_framework import serializers

from .models import RATING_MAX, RATING_MIN, Review, WishlistItem
from .serializers import ProductOutputSerializer, ShopRefOutputSerializer, StrictInputSerializer
from .services.reviews import REVIEW_TEXT_MAX


class WishlistItemOutputSerializer(serializers.ModelSerializer):
    product = ProductOutputSerializer(read_only=True)
    saved_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = WishlistItem
        fields = ["product", "saved_at"]
        read_only_fields = fields


class ReviewProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class ReviewOutputSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", help_text="The reviewer's display name.")
    product = ReviewProductOutputSerializer()
    shop = ShopRefOutputSerializer(source="seller.seller_profile", allow_null=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "order_line_id",
            "author",
            "product",
            "shop",
            "rating",
            "seller_rating",
            "text",
            "answer",
            "answered_at",
            "is_hidden",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _rating_field(help_text: str, *, required: bool = True) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX, required=required, help_text=help_text)


class ReviewCreateInputSerializer(StrictInputSerializer):
    order_line_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="A line of one of your delivered orders."
    )
    rating = _rating_field("The product, 1 to 5 stars.")
    seller_rating = _rating_field("The seller, 1 to 5 stars.")
    text = serializers.CharField(max_length=REVIEW_TEXT_MAX, required=False, allow_blank=True, default="")


class ReviewUpdateInputSerializer(StrictInputSerializer):
    rating = _rating_field("The product, 1 to 5 stars.", required=False)
    seller_rating = _rating_field("The seller, 1 to 5 stars.", required=False)
    text = serializers.CharField(max_length=REVIEW_TEXT_MAX, required=False, allow_blank=True)


class ReviewAnswerInputSerializer(StrictInputSerializer):
    answer = serializers.CharField(max_length=REVIEW_TEXT_MAX, help_text="Shown under the review, for everyone.")
