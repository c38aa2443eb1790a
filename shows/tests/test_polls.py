"""Polls: opening, voting once by the server's clock, tallies at most a few a second, closing on
time or by the host with the results kept."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from shows.models import Poll, PollOption, PollStatus, PollVote
from shows.services.polls import poll_close, poll_close_due, poll_open, poll_vote, polls_close_due
from shows.signals import show_ended
from tokshop.core.errors import ApplicationError
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory
from .interact_helpers import room_events

pytestmark = pytest.mark.django_db


def opened(show, **overrides):
    fields = {"question": "Which colour?", "options": ["Red", "Blue", "Green"], "seconds": 60, **overrides}
    return poll_open(actor=show.seller, show_id=show.pk, **fields)


def vote(user, poll, option, at=None):
    return poll_vote(
        user=user, show_id=poll.show_id, poll_id=poll.pk, option_id=option.pk, received_at=at or timezone.now()
    )


def test_the_host_opens_a_poll_and_the_room_hears_it(django_capture_on_commit_callbacks):
    show = ShowFactory(live=True)

    with django_capture_on_commit_callbacks(execute=True):
        poll = opened(show, question="  Which colour?  ", options=[" Red", "Blue "], seconds=10)

    assert (poll.question, poll.status, [o.text for o in poll.options.all()]) == (
        "Which colour?",
        "open",
        ["Red", "Blue"],
    )
    assert poll.closes_at - poll.opened_at == timedelta(seconds=10)
    [event] = room_events(show.pk, "poll.opened")
    assert event["poll"]["question"] == "Which colour?"
    assert [(o["text"], o["votes"]) for o in event["poll"]["options"]] == [("Red", 0), ("Blue", 0)]
    assert event["poll"]["closes_at"] == poll.closes_at.isoformat()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "x" * 201}, "question"),
        ({"question": 5}, "question"),
        ({"options": ["Only one"]}, "options"),
        ({"options": ["a", "b", "c", "d", "e", "f", "g"]}, "options"),
        ({"options": ["a", ""]}, "options"),
        ({"options": ["a", 3]}, "options"),
        ({"options": "a,b"}, "options"),
        ({"options": ["Same", "same"]}, "options"),
        ({"seconds": 9}, "seconds"),
        ({"seconds": 601}, "seconds"),
        ({"seconds": "60"}, "seconds"),
        ({"seconds": True}, "seconds"),
    ],
)
def test_a_poll_with_bad_input_is_refused_with_the_field_and_nothing_is_made(fields, field):
    show = ShowFactory(live=True)

    with pytest.raises(ApplicationError) as refused:
        opened(show, **fields)

    assert list(refused.value.fields) == [field]
    assert not Poll.objects.exists()


def test_only_the_host_opens_a_poll_and_only_on_air():
    show = ShowFactory(live=True)
    with pytest.raises(ApplicationError) as refused:
        poll_open(actor=UserFactory(), show_id=show.pk, question="Q?", options=["a", "b"], seconds=30)
    assert refused.value.code == "not_host"
    scheduled = ShowFactory()
    with pytest.raises(ApplicationError) as refused:
        opened(scheduled)
    assert refused.value.code == "not_on_air"
    assert not Poll.objects.exists()


def test_a_second_open_poll_is_refused_but_one_whose_time_is_up_is_closed_first():
    show = ShowFactory(live=True)
    first = opened(show)

    with pytest.raises(ApplicationError) as refused:
        opened(show, question="Another?")
    assert (refused.value.code, refused.value.extra) == ("poll_open", {"poll_id": first.pk})
    assert Poll.objects.count() == 1

    now = timezone.now()
    Poll.objects.filter(pk=first.pk).update(opened_at=now - timedelta(seconds=61), closes_at=now - timedelta(seconds=1))
    second = opened(show, question="Another?")
    first.refresh_from_db()
    assert (first.status, second.status) == ("closed", "open")


def test_a_vote_counts_once_and_the_tally_goes_out_coalesced(django_capture_on_commit_callbacks):
    show = ShowFactory(live=True)
    poll = opened(show)
    red, blue, _ = poll.options.all()
    voters = UserFactory.create_batch(3)

    with django_capture_on_commit_callbacks(execute=True):
        vote(voters[0], poll, red)
        vote(voters[1], poll, blue)
        vote(voters[2], poll, blue)

    assert sorted(PollVote.objects.values_list("option_id", flat=True)) == sorted([red.pk, blue.pk, blue.pk])


def test_every_refused_vote_changes_nothing():
    show = ShowFactory(live=True)
    poll = opened(show)
    red = poll.options.first()
    other_poll = opened(ShowFactory(live=True))
    voter = UserFactory()
    vote(voter, poll, red)

    cases = [
        ({"poll_id": poll.pk, "option_id": red.pk}, "already_voted", voter),
        ({"poll_id": poll.pk, "option_id": other_poll.options.first().pk}, "no_such_option", UserFactory()),
        ({"poll_id": other_poll.pk, "option_id": other_poll.options.first().pk}, "not_found", UserFactory()),
        ({"poll_id": "1", "option_id": red.pk}, "invalid", UserFactory()),
        ({"poll_id": poll.pk, "option_id": None}, "invalid", UserFactory()),
    ]
    for fields, code, user in cases:
        with pytest.raises(ApplicationError) as refused:
            poll_vote(user=user, show_id=show.pk, received_at=timezone.now(), **fields)
        assert refused.value.code == code, fields
    assert PollVote.objects.count() == 1


def test_a_vote_received_after_the_end_is_refused_by_the_servers_clock_even_before_the_close():
    show = ShowFactory(live=True)
    poll = opened(show, seconds=10)

    with pytest.raises(ApplicationError) as refused:
        vote(UserFactory(), poll, poll.options.first(), at=poll.closes_at)

    assert refused.value.code == "poll_closed"
    assert not PollVote.objects.exists()
    vote(UserFactory(), poll, poll.options.first(), at=poll.closes_at - timedelta(milliseconds=1))
    assert PollVote.objects.count() == 1


def test_the_host_closes_a_poll_and_its_results_are_kept(django_capture_on_commit_callbacks):
    show = ShowFactory(live=True)
    poll = opened(show)
    red, blue, green = poll.options.all()
    for option in (red, blue, blue):
        vote(UserFactory(), poll, option)

    with django_capture_on_commit_callbacks(execute=True):
        closed = poll_close(actor=show.seller, show_id=show.pk, poll_id=poll.pk)

    assert closed.status == PollStatus.CLOSED
    assert closed.closed_by == show.seller
    assert list(PollOption.objects.filter(poll=poll).values_list("votes", flat=True)) == [1, 2, 0]
    [event] = room_events(show.pk, "poll.closed")
    assert [(o["id"], o["votes"]) for o in event["poll"]["options"]] == [(red.pk, 1), (blue.pk, 2), (green.pk, 0)]
    assert event["poll"]["total"] == 3
    with pytest.raises(ApplicationError) as refused:
        vote(UserFactory(), poll, red)
    assert refused.value.code == "poll_closed"
    # Closing again is not an error, and changes nothing.
    assert poll_close(actor=show.seller, show_id=show.pk, poll_id=poll.pk).closed_at == closed.closed_at


def test_a_viewer_cannot_close_a_poll():
    show = ShowFactory(live=True)
    poll = opened(show)

    with pytest.raises(ApplicationError) as refused:
        poll_close(actor=UserFactory(), show_id=show.pk, poll_id=poll.pk)

    assert refused.value.code == "not_host"
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN


def test_the_timer_and_the_sweep_close_only_polls_whose_time_is_up():
    show = ShowFactory(live=True)
    poll = opened(show, seconds=10)

    assert poll_close_due(poll_id=poll.pk) is False
    assert polls_close_due() == 0
    assert poll_close_due(poll_id=poll.pk, now=poll.closes_at) is True
    poll.refresh_from_db()
    assert (poll.status, poll.closed_at, poll.closed_by) == ("closed", poll.closes_at, None)

    late = opened(show, seconds=10)
    assert polls_close_due(now=late.closes_at + timedelta(seconds=1)) == 1
    assert Poll.objects.filter(status="open").count() == 0


def test_a_show_that_ends_closes_its_poll():
    show = ShowFactory(live=True)
    poll = opened(show)

    show_ended.send(sender=type(show), show=show)

    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED


@pytest.mark.django_db(transaction=True)
def test_votes_in_a_burst_are_tallied_a_few_times_a_second_and_the_last_tally_is_exact():
    show = ShowFactory(live=True)
    poll = opened(show)
    red, blue, _ = poll.options.all()
    voters = UserFactory.create_batch(40)

    started = time.monotonic()
    for n, voter in enumerate(voters):
        vote(voter, poll, red if n % 4 else blue)
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    time.sleep(0.5)

    tallies = room_events(show.pk, "poll.tallied")
    # One broadcast per 0.25 s window at most, whatever the 50 votes a second.
    assert 1 <= len(tallies) <= elapsed / 0.25 + 2
    assert {o["id"]: o["votes"] for o in tallies[-1]["options"]} == {red.pk: 30, blue.pk: 10, poll.options.last().pk: 0}
    assert tallies[-1]["total"] == 40


@pytest.mark.django_db(transaction=True)
def test_two_votes_of_one_person_at_once_count_once():
    show = ShowFactory(live=True)
    poll = opened(show)
    red, blue, _ = poll.options.all()
    voter = UserFactory()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(option):
        try:
            barrier.wait()
            vote(voter, poll, option)
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(red if n % 2 else blue,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_voted"] * 7 + ["ok"]
    assert PollVote.objects.filter(poll=poll, user=voter).count() == 1
