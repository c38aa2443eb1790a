import json
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from commerce.models import InventoryChange, InventoryReason, Product, ReservationStatus, StockReservation
from commerce.services.catalog import product_update
from commerce.services.inventory import reservations_expire, stock_adjust, stock_commit, stock_release, stock_reserve
from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.realtime.groups import product_group
from tokshop.realtime.hub import close_hub, get_hub
from tokshop.users.tests.factories import UserFactory

from .factories import ProductFactory

pytestmark = pytest.mark.django_db

# Concurrent buyers in the oversell tests; 100 keeps the suite quick, bench/checkout.py runs 1,000.
CONCURRENT_BUYERS = 100


def stream_events(stream: str) -> list[dict]:
    async def read() -> list[str] | None:
        try:
            return await get_hub().since(stream, 0)
        finally:
            await close_hub()

    return [json.loads(f) for f in async_to_sync(read)() or []]


def stock(product: Product) -> tuple[int, int]:
    product.refresh_from_db()
    return product.quantity_on_hand, product.quantity_reserved


def test_reserve_holds_units_writes_history_and_publishes_what_is_left(user, django_capture_on_commit_callbacks):
    product = ProductFactory(quantity_on_hand=5)

    with django_capture_on_commit_callbacks(execute=True):
        [reservation] = stock_reserve(buyer=user, lines={product.pk: 2})

    assert stock(product) == (5, 2)
    assert (reservation.status, reservation.quantity, reservation.buyer) == (ReservationStatus.ACTIVE, 2, user)
    assert reservation.expires_at > timezone.now() + timedelta(minutes=14)
    change = InventoryChange.objects.get(product=product)
    assert (change.delta_on_hand, change.delta_reserved, change.reason, change.actor) == (
        0,
        2,
        InventoryReason.RESERVED,
        user,
    )
    assert [(e["type"], e["product_id"], e["available"]) for e in stream_events(product_group(product.pk))] == [
        ("product.stock_changed", product.pk, 3)
    ]


def test_reserve_is_all_or_nothing_and_names_the_sold_out_product(user):
    plenty = ProductFactory(quantity_on_hand=5)
    scarce = ProductFactory(quantity_on_hand=1, title="Rare lamp")

    with pytest.raises(Conflict) as refused:
        stock_reserve(buyer=user, lines={plenty.pk: 1, scarce.pk: 2})

    assert refused.value.code == "sold_out"
    assert "Rare lamp" in refused.value.message
    assert refused.value.extra == {"product_id": scarce.pk}
    assert stock(plenty) == (5, 0)
    assert stock(scarce) == (1, 0)
    assert not StockReservation.objects.exists()
    assert not InventoryChange.objects.exists()
    assert stream_events(product_group(plenty.pk)) == []


def test_reserve_refuses_unknown_products_and_empty_lines(user):
    product = ProductFactory()
    with pytest.raises(NotFound):
        stock_reserve(buyer=user, lines={product.pk + 1000: 1})
    with pytest.raises(ApplicationError):
        stock_reserve(buyer=user, lines={product.pk: 0})
    assert stock(product) == (3, 0)


def test_release_returns_units_once(user):
    product = ProductFactory(quantity_on_hand=3)
    [reservation] = stock_reserve(buyer=user, lines={product.pk: 3})

    assert stock_release(reservation_ids=[reservation.pk], actor=user) == 1
    assert stock_release(reservation_ids=[reservation.pk], actor=user) == 0

    assert stock(product) == (3, 0)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.RELEASED
    assert list(InventoryChange.objects.order_by("pk").values_list("reason", "delta_reserved")) == [
        (InventoryReason.RESERVED, 3),
        (InventoryReason.RELEASED, -3),
    ]


def test_commit_sells_held_units_once_and_tells_the_seller_when_low_then_sold_out(user):
    product = ProductFactory(quantity_on_hand=4, low_stock_threshold=2)
    [first] = stock_reserve(buyer=user, lines={product.pk: 2})

    assert stock_commit(reservation_ids=[first.pk]) == 1
    assert stock_commit(reservation_ids=[first.pk]) == 0
    assert stock(product) == (2, 0)
    [second] = stock_reserve(buyer=user, lines={product.pk: 2})
    stock_commit(reservation_ids=[second.pk])

    assert stock(product) == (0, 0)
    notes = Notification.objects.filter(user=product.seller).order_by("pk")
    assert [(n.kind, n.title) for n in notes] == [
        (NotificationKind.INVENTORY, f"Only 2 left of {product.title}"),
        (NotificationKind.INVENTORY, f"{product.title} is sold out"),
    ]
    sold = InventoryChange.objects.filter(reason=InventoryReason.SOLD).values_list("delta_on_hand", "delta_reserved")
    assert list(sold) == [(-2, -2), (-2, -2)]


def test_commit_after_release_sells_nothing(user):
    product = ProductFactory(quantity_on_hand=1)
    [reservation] = stock_reserve(buyer=user, lines={product.pk: 1})
    stock_release(reservation_ids=[reservation.pk])

    assert stock_commit(reservation_ids=[reservation.pk]) == 0
    assert stock(product) == (1, 0)


def test_expiry_releases_only_overdue_holds(user):
    product = ProductFactory(quantity_on_hand=5)
    [overdue] = stock_reserve(buyer=user, lines={product.pk: 2}, ttl=timedelta(seconds=-1))
    [current] = stock_reserve(buyer=user, lines={product.pk: 1})

    assert reservations_expire() == 1
    assert reservations_expire() == 0

    assert stock(product) == (5, 1)
    overdue.refresh_from_db()
    current.refresh_from_db()
    assert (overdue.status, current.status) == (ReservationStatus.EXPIRED, ReservationStatus.ACTIVE)


def test_seller_adjusts_stock_with_a_reason_but_not_below_held_units(user):
    product = ProductFactory(quantity_on_hand=3)
    stock_reserve(buyer=user, lines={product.pk: 2})

    stock_adjust(seller=product.seller, product_id=product.pk, delta=4, reason=InventoryReason.RESTOCK, note="box")
    assert stock(product) == (7, 2)
    with pytest.raises(Conflict):
        stock_adjust(seller=product.seller, product_id=product.pk, delta=-6, reason=InventoryReason.DAMAGED)
    with pytest.raises(ApplicationError):
        stock_adjust(seller=product.seller, product_id=product.pk, delta=1, reason=InventoryReason.SOLD)
    with pytest.raises(NotFound):
        stock_adjust(seller=user, product_id=product.pk, delta=1, reason=InventoryReason.RESTOCK)

    assert stock(product) == (7, 2)
    change = InventoryChange.objects.get(reason=InventoryReason.RESTOCK)
    assert (change.delta_on_hand, change.actor, change.note) == (4, product.seller, "box")


def test_editing_the_count_is_recorded_and_cannot_drop_below_held_units(user):
    product = ProductFactory(quantity_on_hand=3)
    stock_reserve(buyer=user, lines={product.pk: 2})

    with pytest.raises(ApplicationError) as refused:
        product_update(seller=product.seller, product_id=product.pk, quantity_on_hand=1)
    assert "quantity_on_hand" in refused.value.fields
    product_update(seller=product.seller, product_id=product.pk, quantity_on_hand=10)

    assert stock(product) == (10, 2)
    change = InventoryChange.objects.get(reason=InventoryReason.CORRECTION)
    assert (change.delta_on_hand, change.actor) == (7, product.seller)


def test_the_database_refuses_more_reserved_than_on_hand():
    product = ProductFactory(quantity_on_hand=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(quantity_reserved=2)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_hold_more_than_is_on_hand():
    product = ProductFactory(quantity_on_hand=10)
    buyers = [UserFactory() for _ in range(CONCURRENT_BUYERS)]
    barrier = threading.Barrier(CONCURRENT_BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(buyer) -> None:
        try:
            barrier.wait()
            try:
                stock_reserve(buyer=buyer, lines={product.pk: 1})
                outcome = "held"
            except Conflict:
                outcome = "sold_out"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("held") == 10
    assert outcomes.count("sold_out") == CONCURRENT_BUYERS - 10
    assert stock(product) == (10, 10)
    assert StockReservation.objects.active().count() == 10


def test_api_seller_adjusts_stock_with_a_reason(api_client, user):
    from django.urls import reverse

    product = ProductFactory(quantity_on_hand=3)
    stock_reserve(buyer=user, lines={product.pk: 2})
    url = reverse("api:seller-product-stock", kwargs={"product_id": product.pk})

    api_client.force_authenticate(product.seller)
    restocked = api_client.post(url, {"delta": 5, "reason": "restock", "note": "new box"}, format="json")
    too_many = api_client.post(url, {"delta": -7, "reason": "damaged"}, format="json")
    wrong_reason = api_client.post(url, {"delta": 1, "reason": "sold"}, format="json")
    api_client.force_authenticate(ProductFactory().seller)
    not_yours = api_client.post(url, {"delta": 1, "reason": "restock"}, format="json")

    assert restocked.status_code == 200
    assert (restocked.json()["quantity_on_hand"], restocked.json()["quantity_available"]) == (8, 6)
    assert too_many.status_code == 409
    assert wrong_reason.status_code == 400
    assert not_yours.status_code == 404
    assert stock(product) == (8, 2)
