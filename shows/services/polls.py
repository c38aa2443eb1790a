"""Polls in a show: the host opens one, the room votes once each, and it closes at its end by the
server's clock or when the host closes it, with its results kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tokshop.core.errors import INVALID_FIELDS, ApplicationError, Conflict, NotFound

from ..coalesce import coalesce_on_commit
from ..events import show_event
from ..events_interact import poll_counts, poll_payload, poll_tally_payload
from ..models import Poll, PollOption, PollStatus, PollVote
from ..models.interact import (
    POLL_OPTION_MAX,
    POLL_OPTIONS_MAX,
    POLL_OPTIONS_MIN,
    POLL_QUESTION_MAX,
    POLL_SECONDS_MAX,
    POLL_SECONDS_MIN,
)
from .room_checks import host_check, id_field, int_field, on_air_check, show_lock, staff_check

if TYPE_CHECKING:
    from tokshop.users.models import User

POLLS_CLOSE_BATCH = 200


def _poll_input_clean(question: Any, options: Any) -> tuple[str, list[str]]:
    fields: dict[str, list[str]] = {}
    question = question.strip() if isinstance(question, str) else ""
    if not question or len(question) > POLL_QUESTION_MAX:
        fields["question"] = [f"Ask a question of 1 to {POLL_QUESTION_MAX} characters."]
    texts = [o.strip() for o in options if isinstance(o, str)] if isinstance(options, list) else []
    if (
        not isinstance(options, list)
        or len(texts) != len(options)
        or not POLL_OPTIONS_MIN <= len(texts) <= POLL_OPTIONS_MAX
        or any(not text or len(text) > POLL_OPTION_MAX for text in texts)
    ):
        fields["options"] = [
            f"Give {POLL_OPTIONS_MIN} to {POLL_OPTIONS_MAX} answers of 1 to {POLL_OPTION_MAX} characters each."
        ]
    elif len({text.casefold() for text in texts}) != len(texts):
        fields["options"] = ["Give each answer once."]
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    return question, texts


def _poll_close_locked(poll: Poll, *, actor: User | None, now: datetime) -> Poll:
    # The caller holds the poll's row lock (FOR UPDATE): no vote is being written meanwhile, since
    # every vote holds a share lock on the row until it commits.
    counts = poll_counts(poll)
    options = list(poll.options.all())
    for option in options:
        option.votes = counts.get(option.pk, 0)
    PollOption.objects.bulk_update(options, ["votes"])
    poll.status = PollStatus.CLOSED
    poll.closed_at = now
    poll.closed_by = actor
    poll.save(update_fields=["status", "closed_at", "closed_by"])
    show_event(poll.show_id, "poll.closed", {"poll": poll_payload(poll)})
    return poll


def _open_poll_lock(show_id: int) -> Poll | None:
    return Poll.objects.select_for_update().filter(show_id=show_id, status=PollStatus.OPEN).first()


@transaction.atomic
def poll_open(*, actor: User, show_id: int, question: Any, options: Any, seconds: Any) -> Poll:
    """Put a question with 2 to 6 answers to the room for 10 seconds to 10 minutes (host only).

    A show has one open poll at a time; one whose time is up is closed first.
    """
    from ..tasks import poll_close_due_task

    question, texts = _poll_input_clean(question, options)
    seconds = int_field(
        "seconds",
        seconds,
        low=POLL_SECONDS_MIN,
        high=POLL_SECONDS_MAX,
        message=f"Run a poll for {POLL_SECONDS_MIN} to {POLL_SECONDS_MAX} seconds.",
    )
    show = show_lock(show_id)
    host_check(actor=actor, show=show)
    on_air_check(show)
    now = timezone.now()
    current = _open_poll_lock(show.pk)
    if current is not None and current.is_due(now):
        _poll_close_locked(current, actor=None, now=now)
    elif current is not None:
        raise Conflict("Close the open poll before opening another.", code="poll_open", extra={"poll_id": current.pk})
    poll = Poll.objects.create(show=show, question=question, opened_at=now, closes_at=now + timedelta(seconds=seconds))
    PollOption.objects.bulk_create(PollOption(poll=poll, position=i, text=text) for i, text in enumerate(texts))
    poll = Poll.objects.prefetch_related("options").get(pk=poll.pk)
    show_event(show.pk, "poll.opened", {"poll": poll_payload(poll, counts={})})
    transaction.on_commit(lambda: poll_close_due_task.apply_async((poll.pk,), eta=poll.closes_at), robust=True)
    return poll


def _poll_share_lock(*, poll_id: int, show_id: int) -> Poll:
    # A share lock lets votes go in side by side while keeping a close (FOR UPDATE) out until the
    # votes that read the poll open have committed, so the stored results count every one of them.
    if connection.vendor == "postgresql":
        sql = f"SELECT * FROM {Poll._meta.db_table} WHERE id = %s AND show_id = %s FOR KEY SHARE"  # noqa: S608
        poll = next(iter(Poll.objects.raw(sql, [poll_id, show_id])), None)
    else:
        poll = Poll.objects.filter(pk=poll_id, show_id=show_id).first()
    if poll is None:
        raise NotFound("No such poll.")
    return poll


@transaction.atomic
def poll_vote(*, user: User, show_id: int, poll_id: Any, option_id: Any, received_at: datetime) -> PollVote:
    """Vote once in an open poll; `received_at` is when the server received the vote (its clock decides)."""
    poll_id, option_id = id_field("poll_id", poll_id), id_field("option_id", option_id)
    poll = _poll_share_lock(poll_id=poll_id, show_id=show_id)
    if not poll.is_open or received_at >= poll.closes_at:
        raise Conflict("This poll is closed.", code="poll_closed")
    if not PollOption.objects.filter(pk=option_id, poll_id=poll.pk).exists():
        raise ApplicationError("That is not one of this poll's answers.", code="no_such_option")
    try:
        with transaction.atomic():
            vote = PollVote.objects.create(poll=poll, option_id=option_id, user=user, created_at=received_at)
    except IntegrityError as exc:
        raise Conflict("You already voted in this poll.", code="already_voted") from exc
    coalesce_on_commit(f"poll:{poll.pk}", lambda: poll_tally_publish(poll_id=poll.pk))
    return vote


def poll_tally_publish(*, poll_id: int) -> None:
    """Broadcast the open poll's current counts (the coalesced `poll.tallied`)."""
    poll = Poll.objects.prefetch_related("options").filter(pk=poll_id, status=PollStatus.OPEN).first()
    if poll is not None:
        show_event(poll.show_id, "poll.tallied", poll_tally_payload(poll))


@transaction.atomic
def poll_close(*, actor: User, show_id: int, poll_id: Any) -> Poll:
    """Close a poll before its time (the host or the show's moderators); closing it again changes nothing."""
    poll_id = id_field("poll_id", poll_id)
    show = show_lock(show_id)
    staff_check(actor=actor, show=show)
    poll = Poll.objects.select_for_update().prefetch_related("options").filter(pk=poll_id, show_id=show.pk).first()
    if poll is None:
        raise NotFound("No such poll.")
    if not poll.is_open:
        return poll
    return _poll_close_locked(poll, actor=actor, now=timezone.now())


@transaction.atomic
def poll_close_due(*, poll_id: int, now: datetime | None = None) -> bool:
    """Close the poll if its time is up (the timer's task); False, with nothing changed, if not."""
    now = now or timezone.now()
    poll = Poll.objects.select_for_update().prefetch_related("options").filter(pk=poll_id).first()
    if poll is None or not poll.is_due(now):
        return False
    _poll_close_locked(poll, actor=None, now=now)
    return True


def polls_close_due(*, now: datetime | None = None) -> int:
    """Close every open poll whose time is up (the sweep behind lost timer tasks); returns how many."""
    now = now or timezone.now()
    due = Poll.objects.filter(status=PollStatus.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    return sum(poll_close_due(poll_id=poll_id, now=now) for poll_id in list(due[:POLLS_CLOSE_BATCH]))


@transaction.atomic
def poll_close_for_show(*, show_id: int) -> None:
    """Close the show's open poll, if any (the show ended)."""
    poll = _open_poll_lock(show_id)
    if poll is not None:
        _poll_close_locked(Poll.objects.prefetch_related("options").get(pk=poll.pk), actor=None, now=timezone.now())
