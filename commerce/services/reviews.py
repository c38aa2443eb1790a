"""Writes for reviews: a buyer rates a delivered order line, the seller answers once, staff hide or show."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.users.models import User

from ..models import RATING_MAX, RATING_MIN, OrderLine, OrderStatus, Review, ReviewModeration

REVIEW_TEXT_MAX = 2000
ALREADY_REVIEWED = "You already reviewed this purchase; edit your review instead."


def _review_fields_check(*, rating: int | None, seller_rating: int | None, text: str | None) -> None:
    fields = {}
    for name, value in (("rating", rating), ("seller_rating", seller_rating)):
        if value is not None and not RATING_MIN <= value <= RATING_MAX:
            fields[name] = [f"Choose from {RATING_MIN} to {RATING_MAX} stars."]
    if text is not None and len(text) > REVIEW_TEXT_MAX:
        fields["text"] = [f"Keep it to {REVIEW_TEXT_MAX} characters."]
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)


def _review_notify(review: Review, *, user: User, title: str, body: str) -> None:
    from tokshop.notifications.models import NotificationKind
    from tokshop.notifications.services import notification_create

    notification_create(
        user=user, kind=NotificationKind.ORDERS, title=title, body=body[:200], url=review.product.get_absolute_url()
    )


@transaction.atomic
def review_create(*, author: User, order_line_id: int, rating: int, seller_rating: int, text: str = "") -> Review:
    """Review the product and seller of one line of the author's delivered order; once per line.

    Another buyer's line is "not found"; a line whose order is not delivered yet is refused with
    `not_delivered`; a second review of the same line with `already_reviewed`.
    """
    text = text.strip()
    _review_fields_check(rating=rating, seller_rating=seller_rating, text=text)
    # The line's lock makes two submissions from two tabs wait for each other; the unique order
    # line still refuses the second one if they race past it.
    line = (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("order", "product")
        .filter(pk=order_line_id, order__buyer=author)
        .first()
    )
    if line is None:
        raise NotFound("No such order line.")
    if line.order.status != OrderStatus.DELIVERED:
        raise PermissionDenied("You can review a purchase once it is delivered.", code="not_delivered")
    if Review.objects.filter(order_line=line).exists():
        raise Conflict(ALREADY_REVIEWED, code="already_reviewed")
    try:
        with transaction.atomic():
            review = Review.objects.create(
                order_line=line,
                author=author,
                product=line.product,
                seller_id=line.order.seller_id,
                rating=rating,
                seller_rating=seller_rating,
                text=text,
            )
    except IntegrityError as error:
        raise Conflict(ALREADY_REVIEWED, code="already_reviewed") from error
    _review_notify(
        review,
        user=line.order.seller,
        title=f"New {rating}-star review of {line.product.title}",
        body=text or "No words, just stars.",
    )
    return review


@transaction.atomic
def review_update(
    *,
    author: User,
    review_id: int,
    rating: int | None = None,
    seller_rating: int | None = None,
    text: str | None = None,
) -> Review:
    """Change the author's own review; fields left as None stay as they are."""
    text = text.strip() if text is not None else None
    _review_fields_check(rating=rating, seller_rating=seller_rating, text=text)
    # Someone else's review answers "not found": only its author may change it.
    review = Review.objects.select_for_update().filter(pk=review_id, author=author).first()
    if review is None:
        raise NotFound("No such review.")
    changed = {
        name: value
        for name, value in (("rating", rating), ("seller_rating", seller_rating), ("text", text))
        if value is not None
    }
    for name, value in changed.items():
        setattr(review, name, value)
    review.save(update_fields=[*changed, "updated_at"])
    return review


@transaction.atomic
def review_answer(*, seller: User, review_id: int, answer: str) -> Review:
    """Post the seller's one public answer to a review of their product."""
    answer = answer.strip()
    if not answer:
        raise ApplicationError(INVALID_FIELDS, fields={"answer": ["Write your answer."]})
    if len(answer) > REVIEW_TEXT_MAX:
        raise ApplicationError(INVALID_FIELDS, fields={"answer": [f"Keep it to {REVIEW_TEXT_MAX} characters."]})
    review = Review.objects.select_for_update().select_related("product", "author").filter(pk=review_id).first()
    # A hidden review is not public: to anyone but its seller it does not exist.
    if review is None or (review.is_hidden and review.seller_id != seller.pk):
        raise NotFound("No such review.")
    if review.seller_id != seller.pk:
        raise PermissionDenied("Only the seller of this product can answer its reviews.", code="not_your_product")
    if review.answer:
        raise Conflict("You already answered this review.", code="already_answered")
    review.answer = answer
    review.answered_at = timezone.now()
    review.save(update_fields=["answer", "answered_at", "updated_at"])
    _review_notify(
        review,
        user=review.author,
        title=f"The seller answered your review of {review.product.title}",
        body=answer,
    )
    return review


@transaction.atomic
def review_set_hidden(*, actor: User, review_id: int, hidden: bool, note: str = "") -> Review:
    """Staff hide a review from pages and averages, or show it again; the change is audited.

    Setting the state it already has changes nothing and writes no audit row.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can hide or show reviews.")
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound("No such review.")
    if review.is_hidden != hidden:
        review.is_hidden = hidden
        review.save(update_fields=["is_hidden", "updated_at"])
        ReviewModeration.objects.create(review=review, actor=actor, is_hidden=hidden, note=note[:200])
    return review
