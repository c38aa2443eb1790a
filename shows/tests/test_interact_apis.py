"""The API of a show's questions and polls, and buying in a flash sale."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.models import Order
from commerce.tests.factories import ADDRESS
from shows.models import FlashSale, Visibility
from shows.services.flash_sales import flash_sale_start
from shows.services.polls import poll_close, poll_open, poll_vote
from shows.services.questions import question_ask, question_dismiss, question_upvote
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory
from .interact_helpers import live_show_with_item, saved_address_for

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_shows_questions_are_listed_most_upvoted_first_without_dismissed_ones(api_client):
    show = ShowFactory(live=True)
    first, second, gone = (question_ask(user=UserFactory(), show_id=show.pk, text=t).question for t in "abc")
    question_upvote(user=UserFactory(), show_id=show.pk, question_id=second.pk)
    question_dismiss(actor=show.seller, show_id=show.pk, question_id=gone.pk)

    response = api_client.get(f"/api/v1/shows/{show.pk}/questions/")

    assert response.status_code == 200
    assert [(q["id"], q["upvotes"], q["status"]) for q in response.json()["results"]] == [
        (second.pk, 1, "open"),
        (first.pk, 0, "open"),
    ]


def test_a_shows_polls_are_listed_with_their_results(api_client):
    show = ShowFactory(live=True)
    poll = poll_open(actor=show.seller, show_id=show.pk, question="Which?", options=["A", "B"], seconds=30)
    a = poll.options.first()
    poll_vote(user=UserFactory(), show_id=show.pk, poll_id=poll.pk, option_id=a.pk, received_at=timezone.now())
    poll_close(actor=show.seller, show_id=show.pk, poll_id=poll.pk)

    response = api_client.get(f"/api/v1/shows/{show.pk}/polls/")

    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert (listed["id"], listed["status"], listed["total"]) == (poll.pk, "closed", 1)
    assert [(o["text"], o["votes"]) for o in listed["options"]] == [("A", 1), ("B", 0)]


def test_lists_of_a_show_one_may_not_watch_are_refused(api_client):
    followers_only = ShowFactory(live=True, visibility=Visibility.FOLLOWERS)
    private = ShowFactory(live=True, visibility=Visibility.PRIVATE)

    assert api_client.get(f"/api/v1/shows/{followers_only.pk}/questions/").status_code == 403
    assert api_client.get(f"/api/v1/shows/{private.pk}/polls/").status_code == 403
    assert api_client.get(f"/api/v1/shows/{private.pk}/polls/?key={private.private_token}").status_code == 200
    assert api_client.get("/api/v1/shows/987654/polls/").status_code == 404


def sale_on(**terms):
    show, item = live_show_with_item()
    fields = {"price_cents": 900, "seconds": 60, "total_limit": 3, "per_buyer_limit": 2, **terms}
    return flash_sale_start(actor=show.seller, show_id=show.pk, item_id=item.pk, **fields)


def test_buying_in_a_flash_sale_places_an_order_to_pay(api_client):
    sale = sale_on()
    buyer = UserFactory()
    saved_address_for(buyer)

    response = signed_in(buyer).post(f"/api/v1/flash-sales/{sale.pk}/buy/", {"quantity": 2}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(pk=body["order_id"])
    assert body == {
        "sale_id": sale.pk,
        "order_id": order.pk,
        "pay_url": f"/orders/{order.pk}/",
        "total_cents": 1800 + order.shipping_cents,
        "remaining": 1,
    }
    assert api_client.post(f"/api/v1/flash-sales/{sale.pk}/buy/", {}, format="json").status_code == 401


def test_a_first_buyer_sends_an_address_and_refusals_carry_their_codes():
    sale = sale_on()
    buyer = signed_in(UserFactory())
    url = f"/api/v1/flash-sales/{sale.pk}/buy/"

    refused = buyer.post(url, {"quantity": 1}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "address_required")
    assert buyer.post(url, {"quantity": 2, "shipping": ADDRESS}, format="json").status_code == 201
    limit = buyer.post(url, {"quantity": 1}, format="json")
    assert (limit.status_code, limit.json()["code"], limit.json()["left"]) == (409, "limit_reached", 0)
    sold_out = signed_in(UserFactory()).post(url, {"quantity": 2, "shipping": ADDRESS}, format="json")
    assert (sold_out.status_code, sold_out.json()["code"], sold_out.json()["remaining"]) == (409, "sold_out", 1)
    assert buyer.post(url, {"quantity": 0}, format="json").status_code == 400
    assert buyer.post("/api/v1/flash-sales/987654/buy/", {}, format="json").json()["code"] == "not_on_sale"
    assert FlashSale.objects.get().sold == 2
