"""Reads for reviews and ratings: what product, shop and order pages show.

Averages and counts are aggregated from the visible reviews on every read (indexed, partial on
`is_hidden = false`), so there is no stored counter to drift when a review is edited or hidden.
"""

from dataclasses import dataclass

from django.db.models import Avg, Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from tokshop.users.models import User

from .models import Order, Product, Review


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int


def products_with_rating(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate `rating_average` (None without reviews) and `rating_count` from visible reviews."""
    visible = Review.objects.visible().filter(product=OuterRef("pk")).order_by().values("product")
    return queryset.annotate(
        rating_average=Subquery(visible.annotate(value=Avg("rating")).values("value")[:1]),
        rating_count=Coalesce(
            Subquery(visible.annotate(value=Count("pk")).values("value")[:1], output_field=IntegerField()), 0
        ),
    )


def seller_rating(*, seller_id: int) -> RatingSummary:
    """The average of the seller ratings buyers gave a shop, over its visible reviews."""
    summary = (
        Review.objects.visible().filter(seller_id=seller_id).aggregate(average=Avg("seller_rating"), count=Count("pk"))
    )
    return RatingSummary(average=summary["average"], count=summary["count"])


def _reviews_public(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related("author", "product", "seller__seller_profile").order_by("-created_at", "-id")


def review_list_for_product(*, product_id: int) -> QuerySet[Review]:
    return _reviews_public(Review.objects.visible().filter(product_id=product_id))


def review_list_for_shop(*, seller_id: int) -> QuerySet[Review]:
    return _reviews_public(Review.objects.visible().filter(seller_id=seller_id))


def review_list_for_author(*, author: User) -> QuerySet[Review]:
    """The author's own reviews, hidden ones included (they can still edit them)."""
    return (
        Review.objects.filter(author=author)
        .select_related("product", "seller__seller_profile")
        .order_by("-created_at", "-id")
    )


def review_get_for_reader(*, reader: User | None, review_id: int) -> Review | None:
    """A visible review, or a hidden one to its author and its seller; None otherwise."""
    review = Review.objects.select_related("author", "product", "seller__seller_profile").filter(pk=review_id).first()
    if review is None or not review.is_hidden:
        return review
    return review if reader is not None and reader.pk in (review.author_id, review.seller_id) else None


def review_get_for_author(*, author: User, review_id: int) -> Review | None:
    return review_list_for_author(author=author).filter(pk=review_id).first()


def reviews_by_line_for_order(*, order: Order) -> dict[int, Review]:
    """The buyer's reviews of an order's lines, by order line id."""
    return {review.order_line_id: review for review in Review.objects.filter(order_line__order=order)}
