"""The payloads of polls, questions, the pinned product and flash sales on the room's stream;
docs/protocol.md lists each with its fields."""

from typing import Any

from django.db.models import Count

from commerce.models import Product

from .events import iso
from .models import FlashSale, LineupItem, Poll, PollVote, Question


def poll_counts(poll: Poll) -> dict[int, int]:
    """Votes per option id: counted from the vote rows while the poll is open, stored once closed."""
    if not poll.is_open:
        return {option.pk: option.votes for option in poll.options.all()}
    rows = PollVote.objects.filter(poll=poll).values("option_id").annotate(n=Count("id")).order_by()
    counts = {option.pk: 0 for option in poll.options.all()}
    counts.update({row["option_id"]: row["n"] for row in rows})
    return counts


def poll_payload(poll: Poll, counts: dict[int, int] | None = None) -> dict[str, Any]:
    counts = poll_counts(poll) if counts is None else counts
    return {
        "id": poll.pk,
        "question": poll.question,
        "status": poll.status,
        "opened_at": iso(poll.opened_at),
        "closes_at": iso(poll.closes_at),
        "closed_at": iso(poll.closed_at),
        "options": [{"id": o.pk, "text": o.text, "votes": counts.get(o.pk, 0)} for o in poll.options.all()],
        "total": sum(counts.values()),
    }


def poll_tally_payload(poll: Poll) -> dict[str, Any]:
    counts = poll_counts(poll)
    return {
        "poll_id": poll.pk,
        "options": [{"id": option_id, "votes": votes} for option_id, votes in counts.items()],
        "total": sum(counts.values()),
    }


def question_payload(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "text": question.text,
        "author": {"id": question.author_id, "name": question.author.display_name},
        "upvotes": question.upvotes,
        "status": question.status,
        "created_at": iso(question.created_at),
    }


def question_update_payload(question: Question) -> dict[str, Any]:
    return {"id": question.pk, "upvotes": question.upvotes, "status": question.status}


def product_payload(product: Product) -> dict[str, Any]:
    picture = next(iter(product.images.all()), None)
    return {
        "id": product.pk,
        "title": product.title,
        "price_cents": product.price_cents,
        "currency": product.currency,
        "image": picture.thumbnail.url if picture is not None else None,
        "url": product.get_absolute_url(),
        "available": product.quantity_available if product.is_active else 0,
    }


def item_payload(item: LineupItem) -> dict[str, Any]:
    return {"id": item.pk, "product": product_payload(item.product)}


def sale_payload(sale: FlashSale) -> dict[str, Any]:
    return {
        "id": sale.pk,
        "item": item_payload(sale.item),
        "price_cents": sale.price_cents,
        "currency": sale.currency,
        "status": sale.status,
        "started_at": iso(sale.started_at),
        "ends_at": iso(sale.ends_at),
        "total_limit": sale.total_limit,
        "per_buyer_limit": sale.per_buyer_limit,
        "remaining": sale.remaining,
    }
