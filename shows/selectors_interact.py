"""Reads of polls, questions, the pinned product and flash sales, for the room's snapshot and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from .events_interact import item_payload, poll_payload, question_payload, sale_payload
from .models import (
    FlashSale,
    FlashSaleBuyer,
    FlashSaleStatus,
    LineupItem,
    Poll,
    PollOption,
    PollStatus,
    PollVote,
    Question,
    QuestionStatus,
    QuestionUpvote,
    Show,
)

if TYPE_CHECKING:
    from .selectors_room import RoomViewer

# The snapshot carries the top of the list; the API pages through the rest.
SNAPSHOT_QUESTIONS = 30


def poll_list_for_show(*, show_id: int) -> QuerySet[Poll]:
    """The show's polls, newest first, with their answers."""
    options = Prefetch("options", queryset=PollOption.objects.order_by("position", "id"))
    return Poll.objects.filter(show_id=show_id).prefetch_related(options).order_by("-opened_at", "-id")


def question_list_for_show(*, show_id: int) -> QuerySet[Question]:
    """The show's questions still in the room (waiting or answered), most upvoted first."""
    return (
        Question.objects.filter(show_id=show_id, status__in=[QuestionStatus.OPEN, QuestionStatus.ANSWERED])
        .select_related("author")
        .order_by("-upvotes", "created_at", "id")
    )


def room_poll(*, show_id: int, user_id: int | None) -> dict[str, Any] | None:
    """The open poll (with the viewer's vote), else the last closed one with its results."""
    polls = poll_list_for_show(show_id=show_id)
    poll = polls.filter(status=PollStatus.OPEN).first() or polls.first()
    if poll is None:
        return None
    payload = poll_payload(poll)
    payload["your_vote"] = (
        PollVote.objects.filter(poll=poll, user_id=user_id).values_list("option_id", flat=True).first()
        if user_id
        else None
    )
    return payload


def room_questions(*, show_id: int, user_id: int | None) -> dict[str, Any]:
    top = list(question_list_for_show(show_id=show_id)[:SNAPSHOT_QUESTIONS])
    upvoted = (
        list(QuestionUpvote.objects.filter(user_id=user_id, question__in=top).values_list("question_id", flat=True))
        if user_id
        else []
    )
    return {"items": [question_payload(q) for q in top], "you_upvoted": sorted(upvoted)}


def room_pinned(*, show: Show) -> dict[str, Any] | None:
    if show.pinned_item_id is None:
        return None
    item = (
        LineupItem.objects.select_related("product")
        .prefetch_related("product__images")
        .filter(pk=show.pinned_item_id)
        .first()
    )
    return item_payload(item) if item is not None else None


def room_flash_sale(*, show_id: int, user_id: int | None) -> dict[str, Any] | None:
    """The running flash sale, with how many the viewer may still buy."""
    sale = (
        FlashSale.objects.select_related("item__product")
        .prefetch_related("item__product__images")
        .filter(show_id=show_id, status=FlashSaleStatus.ACTIVE)
        .first()
    )
    if sale is None:
        return None
    payload = sale_payload(sale)
    bought = (
        FlashSaleBuyer.objects.filter(sale=sale, buyer_id=user_id).values_list("quantity", flat=True).first() or 0
        if user_id
        else 0
    )
    payload["you_may_buy"] = sale.per_buyer_limit - bought
    return payload


def interact_snapshot(*, show: Show, viewer: RoomViewer) -> dict[str, Any]:
    """The poll, questions, pinned product and flash sale keys of the room's snapshot."""
    return {
        "poll": room_poll(show_id=show.pk, user_id=viewer.user_id),
        "questions": room_questions(show_id=show.pk, user_id=viewer.user_id),
        "pinned": room_pinned(show=show),
        "flash_sale": room_flash_sale(show_id=show.pk, user_id=viewer.user_id),
    }
