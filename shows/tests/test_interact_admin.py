"""Staff close polls and dismiss questions from the admin, through the room's services."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from shows.models import PollStatus, QuestionStatus
from shows.services.polls import poll_open
from shows.services.questions import question_ask
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory

pytestmark = pytest.mark.django_db


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def act(client, poll, question):
    for url, action, pk in [
        ("/admin/shows/poll/", "close", poll.pk),
        ("/admin/shows/question/", "dismiss", question.pk),
    ]:
        response = client.post(url, {"action": action, "_selected_action": [pk]}, follow=True)
        assert response.status_code == 200
        yield [str(message) for message in response.context["messages"]]


def open_poll_and_question():
    show = ShowFactory(live=True)
    poll = poll_open(actor=show.seller, show_id=show.pk, question="Which?", options=["A", "B"], seconds=60)
    question = question_ask(user=UserFactory(), show_id=show.pk, text="Any discount?").question
    return poll, question


def test_staff_who_moderate_close_polls_and_dismiss_questions():
    poll, question = open_poll_and_question()
    moderator = UserFactory(is_staff=True, is_superuser=True)

    assert list(act(admin_client(moderator), poll, question)) == [
        ["The polls are closed."],
        ["The questions are dismissed."],
    ]

    poll.refresh_from_db()
    question.refresh_from_db()
    assert (poll.status, poll.closed_by) == (PollStatus.CLOSED, moderator)
    assert question.status == QuestionStatus.DISMISSED


def test_staff_who_do_not_moderate_are_told_so_and_nothing_changes():
    poll, question = open_poll_and_question()
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_poll", "view_question"]))

    assert list(act(admin_client(clerk), poll, question)) == [
        ["Only the host and the show's moderators can do that."],
        ["Only the host and the show's moderators can do that."],
    ]

    poll.refresh_from_db()
    question.refresh_from_db()
    assert (poll.status, question.status) == (PollStatus.OPEN, QuestionStatus.OPEN)
