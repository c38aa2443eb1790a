"""Questions to the host: asked through the message check, upvoted once per person, answered on air
or dismissed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from moderation.models import HeldMessage, MessageKind
from moderation.services.check import Action, check_message
from moderation.services.held import message_hold
from tokshop.core.errors import ApplicationError, Conflict, NotFound, RateLimited

from ..coalesce import coalesce_on_commit
from ..events import show_event
from ..events_interact import question_payload, question_update_payload
from ..models import Question, QuestionStatus, QuestionUpvote, Show
from ..selectors import show_get
from .room_checks import host_check, id_field, on_air_check, show_lock, staff_check

if TYPE_CHECKING:
    from tokshop.users.models import User


@dataclass(frozen=True)
class QuestionAsked:
    """A question stored and shown, or (`question` None) held for the show's moderators."""

    question: Question | None
    held: bool
    message: str = ""


def _question_create(*, show: Show, author: User, text: str) -> Question:
    question = Question.objects.create(show=show, author=author, text=text)
    show_event(show.pk, "question.asked", {"question": question_payload(question)})
    return question


@transaction.atomic
def question_ask(*, user: User, show_id: int, text: Any) -> QuestionAsked:
    """Ask the host a question, once the message check allows it (a held one waits for a moderator)."""
    show = show_get(show_id=show_id)
    on_air_check(show)
    if not show.questions_enabled:
        raise Conflict("The host turned questions off for this show.", code="questions_disabled")
    verdict = check_message(
        sender=user, text=text if isinstance(text, str) else "", seller_id=show.seller_id, show_id=show.pk
    )
    if verdict.action == Action.HOLD:
        message_hold(sender=user, seller_id=show.seller_id, verdict=verdict, show_id=show.pk, kind=MessageKind.QUESTION)
        return QuestionAsked(question=None, held=True, message=verdict.message)
    if verdict.action == Action.REJECT:
        if verdict.retry_after is not None and verdict.code == "rate_limited":
            raise RateLimited(verdict.message, retry_after=verdict.retry_after)
        raise ApplicationError(verdict.message, code=verdict.code)
    return QuestionAsked(question=_question_create(show=show, author=user, text=verdict.text), held=False)


@transaction.atomic
def question_from_held(*, held: HeldMessage) -> Question | None:
    """Store and show a question a moderator released; None if it is not a question of a show."""
    if held.kind != MessageKind.QUESTION or held.show_id is None:
        return None
    show = Show.objects.filter(pk=held.show_id).first()
    if show is None:
        return None
    return _question_create(show=show, author=held.sender, text=held.text)


def _question_get(*, show_id: int, question_id: Any, lock: bool = False) -> Question:
    question_id = id_field("id", question_id)
    questions = Question.objects.select_for_update() if lock else Question.objects.all()
    question = questions.filter(pk=question_id, show_id=show_id).first()
    # A dismissed question is gone from the room, except to a repeated dismissal (nothing changes).
    if question is None or (question.status == QuestionStatus.DISMISSED and not lock):
        raise NotFound("No such question.")
    return question


@transaction.atomic
def question_upvote(*, user: User, show_id: int, question_id: Any) -> int:
    """Upvote someone else's question, once; returns its upvotes."""
    question = _question_get(show_id=show_id, question_id=question_id)
    if question.author_id == user.pk:
        raise ApplicationError("You cannot upvote your own question.", code="own_question")
    try:
        with transaction.atomic():
            QuestionUpvote.objects.create(question=question, user=user)
    except IntegrityError as exc:
        raise Conflict("You already upvoted this question.", code="already_upvoted") from exc
    Question.objects.filter(pk=question.pk).update(upvotes=F("upvotes") + 1)
    coalesce_on_commit(f"question:{question.pk}", lambda: question_update_publish(question_id=question.pk))
    return Question.objects.values_list("upvotes", flat=True).get(pk=question.pk)


def question_update_publish(*, question_id: int) -> None:
    """Broadcast a question's current upvotes and status (the coalesced `question.updated`)."""
    question = Question.objects.filter(pk=question_id).first()
    if question is not None:
        show_event(question.show_id, "question.updated", question_update_payload(question))


def _question_decide(*, actor: User, show_id: int, question_id: Any, to: str, check: Any) -> Question:
    show = show_lock(show_id)
    check(actor=actor, show=show)
    question = _question_get(show_id=show.pk, question_id=question_id, lock=True)
    if question.status == to:
        return question
    if question.status == QuestionStatus.DISMISSED:
        raise NotFound("No such question.")
    if to == QuestionStatus.ANSWERED:
        on_air_check(show)
    question.status = to
    question.decided_at = timezone.now()
    question.decided_by = actor
    question.save(update_fields=["status", "decided_at", "decided_by"])
    show_event(show.pk, "question.updated", question_update_payload(question))
    return question


@transaction.atomic
def question_answer(*, actor: User, show_id: int, question_id: Any) -> Question:
    """Mark a question answered on air (host only); it stays in the list, marked."""
    return _question_decide(
        actor=actor, show_id=show_id, question_id=question_id, to=QuestionStatus.ANSWERED, check=host_check
    )


@transaction.atomic
def question_dismiss(*, actor: User, show_id: int, question_id: Any) -> Question:
    """Take a question off the list (the host or the show's moderators)."""
    return _question_decide(
        actor=actor, show_id=show_id, question_id=question_id, to=QuestionStatus.DISMISSED, check=staff_check
    )
