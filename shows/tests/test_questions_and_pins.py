"""Questions (asked through the message check, upvoted once, answered or dismissed) and the pinned
product (pinned by the host, its clicks counted once per viewer, its stock told to the room)."""

import time

import pytest

from commerce.services.inventory import stock_reserve
from moderation.models import HeldMessage, HeldStatus, MessageKind, SanctionKind, SanctionScope
from moderation.services.held import held_message_release
from moderation.services.rules import pattern_add
from moderation.services.sanctions import sanction_impose
from shows.demo_interact import ensure_room_interactions
from shows.models import LineupItem, Question, QuestionStatus, QuestionUpvote, Show
from shows.services.pins import product_click, product_pin, product_unpin
from shows.services.questions import question_answer, question_ask, question_dismiss, question_upvote
from tokshop.core.errors import ApplicationError
from tokshop.users.tests.factories import UserFactory

from .factories import LineupItemFactory, ShowFactory
from .interact_helpers import live_show_with_item, room_events

pytestmark = pytest.mark.django_db


def asked(show, text="Does it come in blue?", user=None):
    return question_ask(user=user or UserFactory(), show_id=show.pk, text=text).question


def test_a_question_is_stored_and_the_room_hears_it(django_capture_on_commit_callbacks):
    show = ShowFactory(live=True)
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        result = question_ask(user=user, show_id=show.pk, text="  Does it come in blue? ")

    assert result.held is False
    question = result.question
    assert (question.text, question.author, question.status, question.upvotes) == (
        "Does it come in blue?",
        user,
        QuestionStatus.OPEN,
        0,
    )
    [event] = room_events(show.pk, "question.asked")
    assert event["question"]["id"] == question.pk
    assert event["question"]["author"] == {"id": user.pk, "name": user.display_name}


def test_questions_are_refused_when_off_off_air_and_by_the_message_check():
    quiet = ShowFactory(live=True, questions_enabled=False)
    with pytest.raises(ApplicationError) as refused:
        asked(quiet)
    assert refused.value.code == "questions_disabled"
    with pytest.raises(ApplicationError) as refused:
        asked(ShowFactory())
    assert refused.value.code == "not_on_air"
    show = ShowFactory(live=True)
    with pytest.raises(ApplicationError) as refused:
        asked(show, text="   ")
    assert refused.value.code == "empty"
    muted = UserFactory()
    sanction_impose(
        actor=show.seller,
        user=muted,
        kind=SanctionKind.MUTE,
        scope=SanctionScope.SELLER,
        seller=show.seller,
        reason="x",
    )
    with pytest.raises(ApplicationError) as refused:
        asked(show, user=muted)
    assert refused.value.code == "muted"
    assert not Question.objects.exists()


def test_a_held_question_waits_for_a_moderator_and_appears_when_released(django_capture_on_commit_callbacks):
    show = ShowFactory(live=True)
    pattern_add(seller=show.seller, pattern="refund")
    user = UserFactory()

    result = question_ask(user=user, show_id=show.pk, text="Can I get a refund later?")

    assert (result.held, result.question) == (True, None)
    assert not Question.objects.exists()
    held = HeldMessage.objects.get()
    assert (held.kind, held.show_id, held.status) == (MessageKind.QUESTION, show.pk, HeldStatus.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        held_message_release(actor=show.seller, held_id=held.pk)

    question = Question.objects.get()
    assert (question.text, question.author, question.show) == ("Can I get a refund later?", user, show)


def test_an_upvote_counts_once_per_person_and_never_on_ones_own_question():
    show = ShowFactory(live=True)
    author = UserFactory()
    question = asked(show, user=author)
    fan = UserFactory()

    assert question_upvote(user=fan, show_id=show.pk, question_id=question.pk) == 1
    for user, code in [(fan, "already_upvoted"), (author, "own_question")]:
        with pytest.raises(ApplicationError) as refused:
            question_upvote(user=user, show_id=show.pk, question_id=question.pk)
        assert refused.value.code == code
    with pytest.raises(ApplicationError) as refused:
        question_upvote(user=UserFactory(), show_id=ShowFactory(live=True).pk, question_id=question.pk)
    assert refused.value.code == "not_found"
    question.refresh_from_db()
    assert question.upvotes == 1
    assert QuestionUpvote.objects.count() == 1


def test_the_host_answers_and_staff_dismiss_and_viewers_cannot(django_capture_on_commit_callbacks):
    show = ShowFactory(live=True)
    question = asked(show)
    viewer = UserFactory()
    for service in (question_answer, question_dismiss):
        with pytest.raises(ApplicationError) as refused:
            service(actor=viewer, show_id=show.pk, question_id=question.pk)
        assert refused.value.code == "not_host"
    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN

    with django_capture_on_commit_callbacks(execute=True):
        answered = question_answer(actor=show.seller, show_id=show.pk, question_id=question.pk)
    assert (answered.status, answered.decided_by) == (QuestionStatus.ANSWERED, show.seller)
    [updated] = room_events(show.pk, "question.updated")
    assert (updated["id"], updated["status"], updated["upvotes"]) == (question.pk, "answered", 0)

    dismissed = question_dismiss(actor=show.seller, show_id=show.pk, question_id=question.pk)
    assert dismissed.status == QuestionStatus.DISMISSED
    # Dismissing again changes nothing; a dismissed question is gone for everything else.
    assert question_dismiss(actor=show.seller, show_id=show.pk, question_id=question.pk).status == "dismissed"
    with pytest.raises(ApplicationError) as refused:
        question_upvote(user=UserFactory(), show_id=show.pk, question_id=question.pk)
    assert refused.value.code == "not_found"


def test_the_host_pins_and_unpins_a_lineup_item(django_capture_on_commit_callbacks):
    show, item = live_show_with_item()
    _, foreign = live_show_with_item()
    with pytest.raises(ApplicationError) as refused:
        product_pin(actor=UserFactory(), show_id=show.pk, item_id=item.pk)
    assert refused.value.code == "not_host"
    with pytest.raises(ApplicationError) as refused:
        product_pin(actor=show.seller, show_id=show.pk, item_id=foreign.pk)
    assert refused.value.code == "not_found"
    assert Show.objects.get(pk=show.pk).pinned_item is None

    with django_capture_on_commit_callbacks(execute=True):
        product_pin(actor=show.seller, show_id=show.pk, item_id=item.pk)
        product_pin(actor=show.seller, show_id=show.pk, item_id=item.pk)
    show.refresh_from_db()
    assert show.pinned_item == item
    [pinned] = room_events(show.pk, "product.pinned")
    assert pinned["item"] == {
        "id": item.pk,
        "product": {
            "id": item.product_id,
            "title": item.product.title,
            "price_cents": 1500,
            "currency": "USD",
            "image": None,
            "url": item.product.get_absolute_url(),
            "available": 20,
        },
    }

    with django_capture_on_commit_callbacks(execute=True):
        product_unpin(actor=show.seller, show_id=show.pk)
    show.refresh_from_db()
    assert (show.pinned_item, show.pinned_at) == (None, None)
    assert room_events(show.pk, "product.unpinned")[0]["item_id"] == item.pk


def test_a_click_counts_once_per_viewer_in_its_window():
    show, item = live_show_with_item()

    assert product_click(show_id=show.pk, item_id=item.pk, viewer_key="user:1") is True
    assert product_click(show_id=show.pk, item_id=item.pk, viewer_key="user:1") is False
    assert product_click(show_id=show.pk, item_id=item.pk, viewer_key="address:10.0.0.1") is True
    with pytest.raises(ApplicationError) as refused:
        product_click(show_id=ShowFactory(live=True).pk, item_id=item.pk, viewer_key="user:2")
    assert refused.value.code == "not_found"
    assert LineupItem.objects.get(pk=item.pk).clicks == 2


@pytest.mark.django_db(transaction=True)
def test_the_pinned_products_stock_is_told_to_the_room_as_it_changes():
    show, item = live_show_with_item(quantity_on_hand=5)
    product_pin(actor=show.seller, show_id=show.pk, item_id=item.pk)
    unrelated = ShowFactory(live=True)

    stock_reserve(buyer=UserFactory(), lines={item.product_id: 2})
    time.sleep(0.4)

    [event] = room_events(show.pk, "product.stock")
    assert (event["product_id"], event["available"]) == (item.product_id, 3)
    assert room_events(unrelated.pk, "product.stock") == []


def test_the_demo_room_has_a_pinned_product_a_closed_poll_and_questions_once():
    show, item = live_show_with_item()
    viewers = UserFactory.create_batch(3)

    ensure_room_interactions(show=show, viewers=viewers)
    ensure_room_interactions(show=show, viewers=viewers)

    show.refresh_from_db()
    assert show.pinned_item == item
    [poll] = show.polls.all()
    assert (poll.status, sum(o.votes for o in poll.options.all())) == ("closed", 3)
    assert list(show.questions.values_list("status", flat=True).order_by("id")) == ["answered", "open", "open"]


@pytest.mark.django_db(transaction=True)
def test_every_lineup_products_stock_is_told_to_its_show_on_air_only():
    show, item = live_show_with_item(quantity_on_hand=5)
    scheduled = ShowFactory(seller=show.seller)
    LineupItemFactory(show=scheduled, product=item.product)

    stock_reserve(buyer=UserFactory(), lines={item.product_id: 1})
    time.sleep(0.4)

    [event] = room_events(show.pk, "product.stock")
    assert (event["product_id"], event["available"]) == (item.product_id, 4)
    assert room_events(scheduled.pk, "product.stock") == []
