"""Giveaways over the API (for the PWA) and on their official rules page with its free entry form."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from auctions.models import Giveaway, GiveawayEntry
from auctions.models.giveaways import winning_position
from commerce.models import Order
from commerce.tests.factories import ADDRESS
from shows.tests.factories import ShowFactory
from shows.tests.interact_helpers import live_show_with_item
from tokshop.users.tests.factories import UserFactory

from .giveaway_helpers import enter, running_giveaway

pytestmark = pytest.mark.django_db


def client_of(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_host_starts_lists_and_draws_over_the_api():
    show, item = live_show_with_item()
    host = client_of(show.seller)

    created = host.post(
        reverse("api:show-giveaways", args=[show.pk]), {"item_id": item.pk, "entry": "room", "seconds": 45}
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["entry"], body["entrants"], body["seed"]) == ("running", "room", 0, None)
    person = UserFactory()
    entered = client_of(person).post(reverse("api:giveaway-enter", args=[body["id"]]))
    assert entered.status_code == 201
    assert entered.json()["method"] == "free_form"
    listed = client_of().get(reverse("api:show-giveaways", args=[show.pk])).json()
    assert [(g["id"], g["entrants"]) for g in listed["results"]] == [(body["id"], 1)]

    drawn = host.post(reverse("api:giveaway-draw", args=[body["id"]]))
    again = host.post(reverse("api:giveaway-draw", args=[body["id"]]))

    assert drawn.status_code == 200
    assert drawn.json()["winner"] == {"id": person.pk, "name": person.display_name}
    assert again.json() == drawn.json()
    assert Order.objects.filter(buyer=person).count() == 1


def test_api_refusals_answer_their_codes_and_change_nothing():
    show, item, giveaway = running_giveaway(entry="followers")
    viewer = UserFactory()

    start = client_of(viewer).post(
        reverse("api:show-giveaways", args=[show.pk]), {"item_id": item.pk, "entry": "room", "seconds": 45}
    )
    bad = client_of(show.seller).post(
        reverse("api:show-giveaways", args=[show.pk]), {"item_id": item.pk, "entry": "room", "seconds": 400}
    )
    again = client_of(show.seller).post(
        reverse("api:show-giveaways", args=[show.pk]), {"item_id": item.pk, "entry": "room", "seconds": 45}
    )
    entry = client_of(viewer).post(reverse("api:giveaway-enter", args=[giveaway.pk]))
    anonymous = client_of().post(reverse("api:giveaway-enter", args=[giveaway.pk]))
    draw = client_of(viewer).post(reverse("api:giveaway-draw", args=[giveaway.pk]))
    missing = client_of(viewer).post(reverse("api:giveaway-enter", args=[987654]))

    assert [(r.status_code, r.json()["code"]) for r in (start, again, entry, draw, missing)] == [
        (403, "not_moderator"),
        (409, "giveaway_running"),
        (403, "followers_only"),
        (403, "not_moderator"),
        (404, "not_found"),
    ]
    assert bad.status_code == 400
    assert "seconds" in bad.json()["fields"]
    assert anonymous.status_code in (401, 403)
    assert (Giveaway.objects.count(), GiveawayEntry.objects.count()) == (1, 0)
    giveaway.refresh_from_db()
    assert (giveaway.status, giveaway.seed) == ("running", "")


def test_a_followers_only_shows_giveaways_are_not_listed_to_strangers():
    show = ShowFactory(live=True, visibility="followers")

    response = client_of(UserFactory()).get(reverse("api:show-giveaways", args=[show.pk]))

    assert response.status_code == 403


def test_the_rules_page_says_everything_the_official_rules_must_and_links_the_free_entry(client):
    _, _, giveaway = running_giveaway()

    page = client.get(reverse("giveaways:rules", args=[giveaway.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    for needed in [
        "No purchase necessary",
        "Sponsor",
        giveaway.product.title,
        "Who may enter",
        "Entry period",
        "How the winner is drawn",
        "SHA-256",
        "Odds",
        "Winner announcement",
        "Sign in to enter",
    ]:
        assert needed in text, needed


def test_a_signed_in_person_enters_free_from_the_rules_page_once(client):
    _, _, giveaway = running_giveaway()
    person = UserFactory()
    client.force_login(person)
    url = reverse("giveaways:rules", args=[giveaway.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "You are entered" in first.content.decode()
    assert "already entered" in second.content.decode()
    [entry] = GiveawayEntry.objects.all()
    assert (entry.user, entry.method) == (person, "free_form")


def test_after_the_draw_the_rules_page_publishes_the_seed_and_the_numbered_entries(client):
    show, _, giveaway = running_giveaway()
    people = UserFactory.create_batch(3)
    for person in people:
        enter(person, giveaway)
    client_of(show.seller).post(reverse("api:giveaway-draw", args=[giveaway.pk]))
    giveaway.refresh_from_db()

    page = client.get(reverse("giveaways:rules", args=[giveaway.pk]))

    text = page.content.decode()
    assert giveaway.seed in text
    number = winning_position(giveaway.seed, 3) + 1
    assert f"Number {number} of 3" in text
    assert giveaway.winner == people[number - 1]
    assert "Entries are closed" in text


def test_a_winner_without_an_address_gives_it_on_the_order_page(client):
    show, _, giveaway = running_giveaway()
    winner = UserFactory()
    enter(winner, giveaway)
    client_of(show.seller).post(reverse("api:giveaway-draw", args=[giveaway.pk]))
    order = Order.objects.get(buyer=winner)
    client.force_login(winner)

    page = client.get(reverse("commerce:order", args=[order.pk]))
    assert "Where should it go?" in page.content.decode()
    saved = client.post(reverse("commerce:order_address", args=[order.pk]), ADDRESS, follow=True)

    assert "the seller will ship it" in saved.content.decode()
    order.refresh_from_db()
    assert order.shipping_line1 == ADDRESS["shipping_line1"]
