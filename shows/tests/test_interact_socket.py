"""Polls, questions, the pinned product and flash sales through the room's socket (the full ASGI
application): each message, its reply, what the room hears, and the refusals."""

import pytest
from channels.db import database_sync_to_async

from shows.models import FlashSale, LineupItem, Poll, PollVote, Question, QuestionStatus, Show
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory
from .interact_helpers import live_show_with_item, saved_address_for
from .sockets import ask, error_of, receive_type, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def make(factory, **kwargs):
    return factory(**kwargs)


@database_sync_to_async
def db(fn):
    return fn()


async def joined(show_id, user=None):
    socket = await room_socket(show_id, user)
    snapshot = await socket.receive_json_from(timeout=2)
    assert snapshot["type"] == "room.snapshot"
    return socket, snapshot


POLL = {"question": "Which colour?", "options": ["Red", "Blue"], "seconds": 30}


async def test_a_poll_opened_voted_and_closed_through_the_room():
    show = await make(ShowFactory, live=True)
    voter_user = await make(UserFactory)
    host, first = await joined(show.pk, show.seller)
    viewer, _ = await joined(show.pk, voter_user)
    assert first["poll"] is None

    await ask(host, "poll.open", **POLL)
    ack = await receive_type(host, "poll.open_ack")
    opened = await receive_type(viewer, "poll.opened")
    assert opened["poll"]["id"] == ack["poll_id"]
    red, blue = opened["poll"]["options"]

    await ask(viewer, "poll.vote", poll_id=ack["poll_id"], option_id=blue["id"])
    assert (await receive_type(viewer, "poll.vote_ack"))["option_id"] == blue["id"]
    tallied = await receive_type(viewer, "poll.tallied")
    assert {o["id"]: o["votes"] for o in tallied["options"]} == {red["id"]: 0, blue["id"]: 1}
    await ask(viewer, "poll.vote", poll_id=ack["poll_id"], option_id=red["id"])
    assert (await error_of(viewer, "poll.vote"))["code"] == "already_voted"

    _, again = await joined(show.pk, voter_user)
    assert (again["poll"]["id"], again["poll"]["your_vote"], again["poll"]["total"]) == (ack["poll_id"], blue["id"], 1)

    await ask(viewer, "poll.close", poll_id=ack["poll_id"])
    assert (await error_of(viewer, "poll.close"))["code"] == "not_host"
    await ask(host, "poll.close", poll_id=ack["poll_id"])
    await receive_type(host, "poll.close_ack")
    closed = await receive_type(viewer, "poll.closed")
    assert [o["votes"] for o in closed["poll"]["options"]] == [0, 1]
    await ask(viewer, "poll.vote", poll_id=ack["poll_id"], option_id=red["id"])
    assert (await error_of(viewer, "poll.vote"))["code"] == "poll_closed"
    await host.disconnect()
    await viewer.disconnect()


async def test_poll_refusals_through_the_room_change_nothing():
    show = await make(ShowFactory, live=True)
    host, _ = await joined(show.pk, show.seller)
    viewer, _ = await joined(show.pk, await make(UserFactory))

    await ask(viewer, "poll.open", **POLL)
    assert (await error_of(viewer, "poll.open"))["code"] == "not_host"
    await ask(host, "poll.open", question="?", options=["only"], seconds=30)
    assert (await error_of(host, "poll.open"))["fields"] == {
        "options": ["Give 2 to 6 answers of 1 to 80 characters each."]
    }
    await ask(host, "poll.open", **POLL)
    poll_id = (await receive_type(host, "poll.open_ack"))["poll_id"]
    await ask(host, "poll.open", **POLL)
    assert (await error_of(host, "poll.open"))["code"] == "poll_open"
    await ask(viewer, "poll.vote", poll_id=poll_id, option_id=987654)
    assert (await error_of(viewer, "poll.vote"))["code"] == "no_such_option"
    await ask(viewer, "poll.vote", poll_id=[poll_id], option_id={})
    assert (await error_of(viewer, "poll.vote"))["code"] == "invalid"

    assert await db(lambda: (Poll.objects.count(), PollVote.objects.count())) == (1, 0)
    await host.disconnect()
    await viewer.disconnect()


async def test_questions_asked_upvoted_answered_and_dismissed_through_the_room():
    show = await make(ShowFactory, live=True)
    asker_user, fan_user = await make(UserFactory), await make(UserFactory)
    host, _ = await joined(show.pk, show.seller)
    asker, _ = await joined(show.pk, asker_user)
    fan, _ = await joined(show.pk, fan_user)

    await ask(asker, "question.ask", text="Is it waterproof?")
    ack = await receive_type(asker, "question.ask_ack")
    assert ack["held"] is False
    asked = await receive_type(fan, "question.asked")
    assert (asked["question"]["id"], asked["question"]["text"]) == (ack["id"], "Is it waterproof?")

    await ask(fan, "question.upvote", id=ack["id"])
    assert (await receive_type(fan, "question.upvote_ack"))["upvotes"] == 1
    updated = await receive_type(asker, "question.updated")
    assert (updated["id"], updated["upvotes"], updated["status"]) == (ack["id"], 1, "open")
    await ask(fan, "question.upvote", id=ack["id"])
    assert (await error_of(fan, "question.upvote"))["code"] == "already_upvoted"
    await ask(asker, "question.upvote", id=ack["id"])
    assert (await error_of(asker, "question.upvote"))["code"] == "own_question"

    _, snapshot = await joined(show.pk, fan_user)
    assert [q["id"] for q in snapshot["questions"]["items"]] == [ack["id"]]
    assert snapshot["questions"]["you_upvoted"] == [ack["id"]]

    for type_ in ("question.answer", "question.dismiss"):
        await ask(fan, type_, id=ack["id"])
        assert (await error_of(fan, type_))["code"] == "not_host"
    await ask(host, "question.answer", id=ack["id"])
    assert (await receive_type(host, "question.answer_ack"))["status"] == "answered"
    assert (await receive_type(fan, "question.updated"))["status"] == "answered"
    await ask(host, "question.dismiss", id=ack["id"])
    assert (await receive_type(host, "question.dismiss_ack"))["status"] == "dismissed"
    assert (await receive_type(fan, "question.updated"))["status"] == "dismissed"
    assert await db(lambda: Question.objects.get().status) == QuestionStatus.DISMISSED
    for socket in (host, asker, fan):
        await socket.disconnect()


async def test_questions_are_refused_when_the_host_turned_them_off():
    show = await make(ShowFactory, live=True, questions_enabled=False)
    socket, _ = await joined(show.pk, await make(UserFactory))

    await ask(socket, "question.ask", text="Hello?")

    assert (await error_of(socket, "question.ask"))["code"] == "questions_disabled"
    assert not await db(lambda: Question.objects.exists())
    await socket.disconnect()


async def test_the_pinned_product_is_pinned_clicked_and_unpinned_through_the_room():
    show, item = await database_sync_to_async(live_show_with_item)()
    host, _ = await joined(show.pk, show.seller)
    anonymous, _ = await joined(show.pk)

    await ask(anonymous, "product.pin", item_id=item.pk)
    assert (await error_of(anonymous, "product.pin"))["code"] == "sign_in_required"
    await ask(host, "product.pin", item_id=item.pk)
    assert (await receive_type(host, "product.pin_ack"))["item_id"] == item.pk
    pinned = await receive_type(anonymous, "product.pinned")
    assert pinned["item"]["product"]["id"] == item.product_id

    _, snapshot = await joined(show.pk)
    assert snapshot["pinned"]["id"] == item.pk

    await ask(anonymous, "product.click", item_id=item.pk)
    assert (await receive_type(anonymous, "product.click_ack"))["counted"] is True
    await ask(anonymous, "product.click", item_id=item.pk)
    assert (await receive_type(anonymous, "product.click_ack"))["counted"] is False
    reloaded, _ = await joined(show.pk)
    await ask(reloaded, "product.click", item_id=item.pk)
    assert (await receive_type(reloaded, "product.click_ack"))["counted"] is False
    assert await db(lambda: LineupItem.objects.get(pk=item.pk).clicks) == 1

    await ask(host, "product.unpin")
    await receive_type(host, "product.unpin_ack")
    assert (await receive_type(anonymous, "product.unpinned"))["item_id"] == item.pk
    assert await db(lambda: Show.objects.get(pk=show.pk).pinned_item_id) is None
    for socket in (host, anonymous, reloaded):
        await socket.disconnect()


async def test_a_flash_sale_started_bought_and_ended_through_the_room():
    show, item = await database_sync_to_async(live_show_with_item)()
    buyer_user = await make(UserFactory)
    await database_sync_to_async(saved_address_for)(buyer_user)
    host, _ = await joined(show.pk, show.seller)
    buyer, _ = await joined(show.pk, buyer_user)
    terms = {"item_id": item.pk, "price_cents": 900, "seconds": 60, "total_limit": 3, "per_buyer_limit": 2}

    await ask(buyer, "flash_sale.start", **terms)
    assert (await error_of(buyer, "flash_sale.start"))["code"] == "not_host"
    await ask(host, "flash_sale.start", **terms)
    sale_id = (await receive_type(host, "flash_sale.start_ack"))["sale_id"]
    started = await receive_type(buyer, "flash_sale.started")
    assert (started["sale"]["id"], started["sale"]["remaining"], started["sale"]["price_cents"]) == (sale_id, 3, 900)

    await ask(buyer, "flash_sale.buy", sale_id=sale_id, quantity=2)
    bought = await receive_type(buyer, "flash_sale.buy_ack")
    assert bought["pay_url"] == f"/orders/{bought['order_id']}/"
    assert (await receive_type(buyer, "flash_sale.updated"))["remaining"] == 1
    await ask(buyer, "flash_sale.buy", sale_id=sale_id, quantity=1)
    refused = await error_of(buyer, "flash_sale.buy")
    assert (refused["code"], refused["left"]) == ("limit_reached", 0)
    await ask(host, "flash_sale.buy", sale_id=sale_id, quantity=1)
    assert (await error_of(host, "flash_sale.buy"))["code"] == "own_product"
    await ask(buyer, "flash_sale.buy", sale_id=987654, quantity=1)
    assert (await error_of(buyer, "flash_sale.buy"))["code"] == "not_on_sale"

    _, snapshot = await joined(show.pk, buyer_user)
    assert (snapshot["flash_sale"]["id"], snapshot["flash_sale"]["you_may_buy"]) == (sale_id, 0)

    await ask(buyer, "flash_sale.end", sale_id=sale_id)
    assert (await error_of(buyer, "flash_sale.end"))["code"] == "not_host"
    await ask(host, "flash_sale.end", sale_id=sale_id)
    await receive_type(host, "flash_sale.end_ack")
    ended = await receive_type(buyer, "flash_sale.ended")
    assert (ended["sale_id"], ended["sold"], ended["reason"]) == (sale_id, 2, "host")
    await ask(buyer, "flash_sale.buy", sale_id=sale_id, quantity=1)
    assert (await error_of(buyer, "flash_sale.buy"))["code"] == "sale_ended"
    assert await db(lambda: FlashSale.objects.get().sold) == 2
    await host.disconnect()
    await buyer.disconnect()


async def test_an_anonymous_viewer_may_only_click():
    show, _item = await database_sync_to_async(live_show_with_item)()
    socket, snapshot = await joined(show.pk)
    assert (snapshot["poll"], snapshot["pinned"], snapshot["flash_sale"]) == (None, None, None)
    assert snapshot["questions"] == {"items": [], "you_upvoted": []}

    for type_ in ("poll.vote", "question.ask", "question.upvote", "flash_sale.buy"):
        await ask(socket, type_)
        assert (await error_of(socket, type_))["code"] == "sign_in_required"
    await ask(socket, "product.click", item_id="x")
    assert (await error_of(socket, "product.click"))["code"] == "invalid"
    await socket.disconnect()
