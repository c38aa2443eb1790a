"""Giveaways: starting one on a lineup product, entering once each by the server's clock, drawing one
winner from a recorded seed that anyone can recompute, and the winner's order at no charge."""

import hashlib
import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from auctions.models import Giveaway, GiveawayEntry, GiveawayStatus
from auctions.models.giveaways import winning_position
from auctions.selectors_giveaways import giveaway_entries, giveaway_recheck
from auctions.services.giveaways import (
    giveaway_draw,
    giveaway_draw_due,
    giveaway_enter,
    giveaway_start,
    giveaways_draw_due,
)
from commerce.models import Order, OrderStatus, Product
from commerce.services.line_orders import order_shipping_give
from commerce.services.orders import order_ship
from commerce.tests.factories import ADDRESS, ProductFactory
from moderation.services.moderators import seller_moderator_appoint
from moderation.services.sanctions import sanction_create
from shows.models import ShowStatus
from shows.tests.factories import FollowFactory, LineupItemFactory, ShowFactory
from shows.tests.interact_helpers import live_show_with_item, room_events, saved_address_for
from tokshop.core.errors import ApplicationError
from tokshop.users.tests.factories import UserFactory

from .giveaway_helpers import enter, running_giveaway, started

pytestmark = pytest.mark.django_db


def stock(product):
    product.refresh_from_db()
    return product.quantity_on_hand, product.quantity_reserved


def test_the_host_starts_a_giveaway_the_prize_is_held_and_the_room_hears_it(django_capture_on_commit_callbacks):
    show, item = live_show_with_item()

    with django_capture_on_commit_callbacks(execute=True):
        giveaway = started(show, item, entry="followers", seconds=120)

    assert (giveaway.status, giveaway.entry, giveaway.product_id, giveaway.seller_id) == (
        "running",
        "followers",
        item.product_id,
        show.seller_id,
    )
    assert giveaway.ends_at - giveaway.started_at == timedelta(seconds=120)
    assert giveaway.seed == ""
    assert stock(item.product) == (20, 1)
    [event] = room_events(show.pk, "giveaway.started")
    assert event["giveaway"]["id"] == giveaway.pk
    assert (event["giveaway"]["entrants"], event["giveaway"]["seed"], event["giveaway"]["winner"]) == (0, None, None)
    assert event["giveaway"]["ends_at"] == giveaway.ends_at.isoformat()
    assert event["giveaway"]["rules_url"] == f"/giveaways/{giveaway.pk}/rules/"


def test_a_moderator_of_the_show_starts_one_too():
    show, item = live_show_with_item()
    helper = UserFactory()
    seller_moderator_appoint(seller=show.seller, moderator=helper, show_id=show.pk)

    giveaway = started(show, item, actor=helper)

    assert (giveaway.created_by, giveaway.seller) == (helper, show.seller)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"seconds": 9}, "invalid"),
        ({"seconds": 301}, "invalid"),
        ({"seconds": "60"}, "invalid"),
        ({"seconds": True}, "invalid"),
        ({"entry": "everyone"}, "invalid"),
        ({"item_id": "1"}, "invalid"),
    ],
)
def test_a_giveaway_with_bad_input_is_refused_and_nothing_is_held(fields, code):
    show, item = live_show_with_item()
    base = {"item_id": item.pk, "entry": "room", "seconds": 60}

    with pytest.raises(ApplicationError) as refused:
        giveaway_start(actor=show.seller, show_id=show.pk, **{**base, **fields})

    assert refused.value.code == code
    assert not Giveaway.objects.exists()
    assert stock(item.product) == (20, 0)


def test_start_refusals_change_nothing():
    show, item = live_show_with_item()
    foreign_item = LineupItemFactory()
    scheduled = ShowFactory(seller=show.seller)
    scheduled_item = LineupItemFactory(show=scheduled, product=item.product)

    refusals = []
    for actor, target_show, target_item in [
        (UserFactory(), show, item),
        (show.seller, show, foreign_item),
        (show.seller, scheduled, scheduled_item),
    ]:
        with pytest.raises(ApplicationError) as refused:
            started(target_show, target_item, actor=actor)
        refusals.append(refused.value.code)

    assert refusals == ["not_moderator", "not_in_lineup", "not_on_air"]
    assert not Giveaway.objects.exists()
    assert stock(item.product) == (20, 0)


def test_one_running_giveaway_per_show_but_one_whose_time_is_up_is_drawn_first():
    show, item, first = running_giveaway()

    with pytest.raises(ApplicationError) as refused:
        started(show, item)
    assert (refused.value.code, refused.value.extra) == ("giveaway_running", {"giveaway_id": first.pk})
    assert Giveaway.objects.count() == 1

    Giveaway.objects.filter(pk=first.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    second = started(show, item)

    first.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "running")


def test_a_prize_with_no_unit_left_cannot_be_given_away():
    show, item = live_show_with_item(quantity_on_hand=0)

    with pytest.raises(ApplicationError) as refused:
        started(show, item)

    assert refused.value.code == "sold_out"
    assert not Giveaway.objects.exists()


def test_people_enter_once_each_from_the_room_or_the_free_form():
    _, _, giveaway = running_giveaway()
    people = UserFactory.create_batch(3)

    for person in people:
        enter(person, giveaway)
    free = enter(UserFactory(), giveaway, method="free_form")

    assert free.method == "free_form"
    assert list(GiveawayEntry.objects.filter(giveaway=giveaway).values_list("method", flat=True)) == [
        "room",
        "room",
        "room",
        "free_form",
    ]


@pytest.mark.django_db(transaction=True)
def test_entries_in_a_burst_are_counted_a_few_times_a_second_and_the_last_count_is_exact():
    show, _, giveaway = running_giveaway()
    people = UserFactory.create_batch(30)

    for person in people:
        enter(person, giveaway)
        time.sleep(0.02)
    time.sleep(0.5)

    counts = room_events(show.pk, "giveaway.entered")
    assert 1 <= len(counts) < 30
    assert counts[-1] == {**counts[-1], "giveaway_id": giveaway.pk, "entrants": 30}


def test_every_refused_entry_changes_nothing():
    show, _, giveaway = running_giveaway(entry="followers")
    follower, stranger, banned, entered = UserFactory.create_batch(4)
    for person in (follower, banned, entered):
        FollowFactory(follower=person, seller=show.seller)
    sanction_create(user=banned, kind="ban", reason="Spam", created_by=show.seller, scope="seller", seller=show.seller)
    enter(entered, giveaway)
    before = list(GiveawayEntry.objects.values_list("pk", "user_id"))

    refusals = []
    for person, at in [
        (stranger, None),
        (show.seller, None),
        (banned, None),
        (entered, None),
        (follower, giveaway.ends_at),
    ]:
        with pytest.raises(ApplicationError) as refused:
            enter(person, giveaway, at=at)
        refusals.append(refused.value.code)
    other_show = ShowFactory(live=True)
    with pytest.raises(ApplicationError) as refused:
        giveaway_enter(
            user=follower, giveaway_id=giveaway.pk, method="room", received_at=timezone.now(), show_id=other_show.pk
        )
    refusals.append(refused.value.code)

    assert refusals == ["followers_only", "own_giveaway", "banned", "already_entered", "giveaway_ended", "not_found"]
    assert list(GiveawayEntry.objects.values_list("pk", "user_id")) == before


def test_no_one_enters_a_giveaway_once_drawn():
    _, _, giveaway = running_giveaway()
    enter(UserFactory(), giveaway)
    saved_address_for(giveaway.entries.get().user)
    giveaway_draw(actor=giveaway.seller, giveaway_id=giveaway.pk)

    with pytest.raises(ApplicationError) as refused:
        enter(UserFactory(), giveaway)

    assert refused.value.code == "giveaway_not_running"
    assert GiveawayEntry.objects.count() == 1


def test_the_free_entry_of_a_private_show_needs_its_link():
    show = ShowFactory(live=True, visibility="private")
    item = LineupItemFactory(show=show, product=ProductFactory(seller=show.seller, quantity_on_hand=5))
    giveaway = started(show, item)
    person = UserFactory()

    with pytest.raises(ApplicationError):
        giveaway_enter(user=person, giveaway_id=giveaway.pk, method="free_form", received_at=timezone.now())
    assert not GiveawayEntry.objects.exists()

    giveaway_enter(
        user=person, giveaway_id=giveaway.pk, method="free_form", received_at=timezone.now(), key=show.private_token
    )
    assert GiveawayEntry.objects.filter(user=person, method="free_form").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_entering_many_times_at_once_counts_once():
    _, _, giveaway = running_giveaway()
    person = UserFactory()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(method):
        try:
            barrier.wait()
            enter(person, giveaway, method=method)
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=("room" if n % 2 else "free_form",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_entered"] * 7 + ["ok"]
    assert GiveawayEntry.objects.filter(giveaway=giveaway, user=person).count() == 1


def test_the_winning_position_is_the_published_rule():
    seed = "00112233445566778899aabbccddeeff"
    digest = hashlib.sha256(b"00112233445566778899aabbccddeeff").hexdigest()

    assert [winning_position(seed, n) for n in (1, 2, 7, 1000)] == [int(digest, 16) % n for n in (1, 2, 7, 1000)]
    assert winning_position(seed, 1) == 0


def test_the_draw_records_its_seed_and_anyone_can_recompute_the_winner(django_capture_on_commit_callbacks):
    show, _, giveaway = running_giveaway()
    people = UserFactory.create_batch(5)
    for person in people:
        saved_address_for(person)
        enter(person, giveaway)

    with django_capture_on_commit_callbacks(execute=True):
        drawn = giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk)

    entries = giveaway_entries(giveaway=drawn)
    assert [e.user for e in entries] == people
    assert re.fullmatch(r"[0-9a-f]{32}", drawn.seed)
    recomputed = int(hashlib.sha256(drawn.seed.encode()).hexdigest(), 16) % 5
    assert drawn.winner == people[recomputed]
    assert giveaway_recheck(giveaway=drawn, entries=entries) == recomputed + 1
    assert (drawn.status, drawn.entry_count) == ("drawn", 5)
    assert drawn.ends_at == drawn.drawn_at
    [event] = room_events(show.pk, "giveaway.drawn")
    assert event["giveaway"]["winner"] == {"id": drawn.winner.pk, "name": drawn.winner.display_name}
    assert (event["giveaway"]["seed"], event["giveaway"]["entrants"]) == (drawn.seed, 5)


def test_the_winners_order_is_paid_at_no_charge_and_the_prize_leaves_the_stock():
    show, item, giveaway = running_giveaway()
    winner = UserFactory()
    saved_address_for(winner)
    enter(winner, giveaway)
    product = Product.objects.get(pk=item.product_id)
    on_hand_before, reserved_before = stock(product)

    drawn = giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk)

    order = drawn.order
    assert (order.buyer, order.seller_id, order.status) == (winner, show.seller_id, OrderStatus.PAID)
    assert (order.subtotal_cents, order.shipping_cents, order.total_cents) == (0, 0, 0)
    assert order.payment_reference == f"free:giveaway-{giveaway.pk}"
    assert order.shipping_line1 == ADDRESS["shipping_line1"]
    [line] = order.lines.all()
    assert (line.product_id, line.quantity, line.unit_price_cents) == (product.pk, 1, 0)
    assert stock(product) == (on_hand_before - 1, reserved_before - 1)


def test_a_winner_without_an_address_gives_it_on_the_order_page_before_it_ships():
    show, _, giveaway = running_giveaway()
    winner = UserFactory()
    enter(winner, giveaway)
    order = giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk).order

    assert (order.status, order.shipping_line1) == ("paid", "")
    with pytest.raises(ApplicationError) as refused:
        order_ship(seller=show.seller, order_id=order.pk, carrier="UPS", tracking_number="1Z")
    assert refused.value.code == "address_required"

    order_shipping_give(buyer=winner, order_id=order.pk, shipping=dict(ADDRESS))
    with pytest.raises(ApplicationError) as again:
        order_shipping_give(buyer=winner, order_id=order.pk, shipping=dict(ADDRESS))
    assert again.value.code == "address_given"
    shipped = order_ship(seller=show.seller, order_id=order.pk, carrier="UPS", tracking_number="1Z")
    assert (shipped.status, shipped.shipping_city) == ("shipped", ADDRESS["shipping_city"])


def test_drawing_twice_gives_one_winner_and_one_order():
    show, _, giveaway = running_giveaway()
    for person in UserFactory.create_batch(3):
        enter(person, giveaway)

    first = giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk)
    second = giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk)
    late = giveaway_draw_due(giveaway_id=giveaway.pk, now=first.ends_at + timedelta(minutes=5))

    assert (second.seed, second.winner, second.order) == (first.seed, first.winner, first.order)
    assert late is False
    assert Order.objects.filter(buyer=first.winner).count() == 1
    assert Order.objects.filter(lines__unit_price_cents=0).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_host_and_the_timer_drawing_at_once_give_one_winner_and_one_order():
    show, _, giveaway = running_giveaway()
    for person in UserFactory.create_batch(3):
        enter(person, giveaway)
    barrier = threading.Barrier(4)

    def attempt(n):
        try:
            barrier.wait()
            if n % 2:
                giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk)
            else:
                giveaway_draw_due(giveaway_id=giveaway.pk, now=giveaway.ends_at)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    giveaway.refresh_from_db()
    assert giveaway.status == "drawn"
    assert Order.objects.filter(lines__unit_price_cents=0).count() == 1


def test_a_giveaway_nobody_entered_is_cancelled_and_its_unit_goes_back(django_capture_on_commit_callbacks):
    show, item, giveaway = running_giveaway()

    with django_capture_on_commit_callbacks(execute=True):
        drawn = giveaway_draw(actor=show.seller, giveaway_id=giveaway.pk)

    assert (drawn.status, drawn.seed, drawn.winner, drawn.order, drawn.entry_count) == ("cancelled", "", None, None, 0)
    assert stock(item.product) == (20, 0)
    [event] = room_events(show.pk, "giveaway.drawn")
    assert (event["giveaway"]["status"], event["giveaway"]["winner"]) == ("cancelled", None)


def test_a_viewer_cannot_draw_and_nothing_changes():
    _, item, giveaway = running_giveaway()
    viewer = UserFactory()
    enter(viewer, giveaway)

    with pytest.raises(ApplicationError) as refused:
        giveaway_draw(actor=viewer, giveaway_id=giveaway.pk)

    assert refused.value.code == "not_moderator"
    giveaway.refresh_from_db()
    assert (giveaway.status, giveaway.seed, giveaway.order_id) == ("running", "", None)
    assert stock(item.product) == (20, 1)


def test_the_timer_and_the_sweep_draw_only_giveaways_whose_time_is_up():
    show, _, giveaway = running_giveaway(seconds=30)
    enter(UserFactory(), giveaway)

    assert giveaway_draw_due(giveaway_id=giveaway.pk) is False
    assert giveaways_draw_due() == 0
    assert giveaway_draw_due(giveaway_id=giveaway.pk, now=giveaway.ends_at) is True
    giveaway.refresh_from_db()
    assert (giveaway.status, giveaway.drawn_at) == ("drawn", giveaway.ends_at)

    show.status = ShowStatus.LIVE
    late = started(show, LineupItemFactory(show=show), seconds=30)
    assert giveaways_draw_due(now=late.ends_at + timedelta(seconds=1)) == 1
    assert Giveaway.objects.filter(status=GiveawayStatus.RUNNING).count() == 0
