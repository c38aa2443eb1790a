"""Flash sales: started by the host below the product's price, bought within the sale's and each
buyer's limits under real concurrency, ended on time or by the host."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from commerce.models import Order, OrderStatus, Product, StockReservation
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.orders import order_pay
from shows.models import FlashSale, FlashSaleBuyer, FlashSalePurchase, FlashSaleStatus
from shows.services.flash_sales import (
    flash_sale_buy,
    flash_sale_end,
    flash_sale_end_due,
    flash_sale_start,
    flash_sales_end_due,
)
from tokshop.core.errors import ApplicationError
from tokshop.users.tests.factories import UserFactory

from .interact_helpers import live_show_with_item, room_events, saved_address_for

pytestmark = pytest.mark.django_db


def started(show, item, **overrides):
    fields = {"price_cents": 900, "seconds": 120, "total_limit": 10, "per_buyer_limit": 2, **overrides}
    return flash_sale_start(actor=show.seller, show_id=show.pk, item_id=item.pk, **fields)


def buy(buyer, sale, quantity=1, at=None, **kwargs):
    return flash_sale_buy(
        buyer=buyer,
        sale_id=sale.pk,
        quantity=quantity,
        received_at=at or timezone.now(),
        show_id=sale.show_id,
        **kwargs,
    )


def buyer_with_address():
    buyer = UserFactory()
    saved_address_for(buyer)
    return buyer


def test_the_host_starts_a_sale_the_item_is_pinned_and_the_room_hears_both(django_capture_on_commit_callbacks):
    show, item = live_show_with_item()

    with django_capture_on_commit_callbacks(execute=True):
        sale = started(show, item, seconds=60)

    assert (sale.price_cents, sale.total_limit, sale.per_buyer_limit, sale.sold) == (900, 10, 2, 0)
    assert sale.ends_at - sale.started_at == timedelta(seconds=60)
    show.refresh_from_db()
    assert show.pinned_item == item
    pinned, sale_started = room_events(show.pk, "product.pinned", "flash_sale.started")
    assert pinned["item"]["id"] == item.pk
    assert sale_started["sale"]["id"] == sale.pk
    assert sale_started["sale"]["remaining"] == 10
    assert sale_started["sale"]["ends_at"] == sale.ends_at.isoformat()
    assert sale_started["sale"]["item"]["product"]["price_cents"] == 1500


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price_cents": 1500}, "price_cents"),
        ({"price_cents": 0}, "price_cents"),
        ({"price_cents": "900"}, "price_cents"),
        ({"seconds": 9}, "seconds"),
        ({"seconds": 3601}, "seconds"),
        ({"total_limit": 0}, "total_limit"),
        ({"total_limit": 21}, "total_limit"),
        ({"per_buyer_limit": 11}, "per_buyer_limit"),
        ({"per_buyer_limit": 0}, "per_buyer_limit"),
    ],
)
def test_a_sale_with_bad_terms_is_refused_with_the_field_and_nothing_changes(fields, field):
    show, item = live_show_with_item()

    with pytest.raises(ApplicationError) as refused:
        started(show, item, **fields)

    assert list(refused.value.fields) == [field]
    assert not FlashSale.objects.exists()
    show.refresh_from_db()
    assert show.pinned_item is None


def test_only_the_host_starts_a_sale_of_their_own_lineup_and_one_at_a_time():
    show, item = live_show_with_item()
    _, foreign_item = live_show_with_item()
    with pytest.raises(ApplicationError) as refused:
        flash_sale_start(
            actor=UserFactory(),
            show_id=show.pk,
            item_id=item.pk,
            price_cents=900,
            seconds=60,
            total_limit=5,
            per_buyer_limit=1,
        )
    assert refused.value.code == "not_host"
    with pytest.raises(ApplicationError) as refused:
        started(show, foreign_item)
    assert refused.value.code == "not_found"
    sale = started(show, item)
    with pytest.raises(ApplicationError) as refused:
        started(show, item)
    assert (refused.value.code, refused.value.extra) == ("sale_active", {"sale_id": sale.pk})
    assert FlashSale.objects.count() == 1


def test_a_buyer_orders_at_the_sale_price_with_the_stock_held_and_the_show_recorded():
    show, item = live_show_with_item()
    sale = started(show, item)
    buyer = buyer_with_address()

    bought = buy(buyer, sale, quantity=2)

    order = bought.order
    assert (order.status, order.buyer, order.seller, order.subtotal_cents) == (
        OrderStatus.PENDING_PAYMENT,
        buyer,
        show.seller,
        1800,
    )
    assert [(line.unit_price_cents, line.quantity) for line in order.lines.all()] == [(900, 2)]
    assert order.shipping_line1 == "1 Main Street"
    assert StockReservation.objects.get(order=order).quantity == 2
    assert bought.sale.remaining == 8
    purchase = FlashSalePurchase.objects.get(order=order)
    assert (purchase.show, purchase.quantity, purchase.amount_cents) == (show, 2, 1800)
    item.product.refresh_from_db()
    assert item.product.quantity_available == 18


def test_without_a_saved_address_the_first_purchase_takes_one():
    show, item = live_show_with_item()
    sale = started(show, item)
    buyer = UserFactory()

    with pytest.raises(ApplicationError) as refused:
        buy(buyer, sale)
    assert refused.value.code == "address_required"
    assert (FlashSale.objects.get().sold, FlashSaleBuyer.objects.count(), Order.objects.count()) == (0, 0, 0)

    address = {
        "shipping_name": "Bo",
        "shipping_line1": "2 Side St",
        "shipping_city": "Oslo",
        "shipping_postal_code": "0150",
        "shipping_country": "no",
    }
    order = buy(buyer, sale, shipping=address).order
    assert (order.shipping_line1, order.shipping_country) == ("2 Side St", "NO")


def test_each_refusal_leaves_the_sale_the_buyer_and_the_stock_as_they_were():
    show, item = live_show_with_item(quantity_on_hand=3)
    sale = started(show, item, total_limit=3, per_buyer_limit=2)
    buyer = buyer_with_address()
    buy(buyer, sale, quantity=2)

    def refusal(**kwargs):
        with pytest.raises(ApplicationError) as refused:
            buy(**kwargs)
        return refused.value

    limit = refusal(buyer=buyer, sale=sale)
    assert (limit.code, limit.extra) == ("limit_reached", {"left": 0})
    over = refusal(buyer=buyer_with_address(), sale=sale, quantity=3)
    assert (over.code, over.extra) == ("sold_out", {"remaining": 1})
    assert refusal(buyer=show.seller, sale=sale).code == "own_product"
    assert refusal(buyer=buyer_with_address(), sale=sale, at=sale.ends_at).code == "sale_ended"
    assert refusal(buyer=buyer_with_address(), sale=sale, quantity=0).code == "invalid"
    other_show, other_item = live_show_with_item()
    other_sale = started(other_show, other_item)
    with pytest.raises(ApplicationError) as refused:
        flash_sale_buy(
            buyer=buyer_with_address(), sale_id=other_sale.pk, quantity=1, received_at=timezone.now(), show_id=show.pk
        )
    assert refused.value.code == "not_on_sale"

    sale.refresh_from_db()
    assert sale.sold == 2
    assert list(FlashSaleBuyer.objects.filter(sale=sale).values_list("quantity", flat=True)) == [2]
    assert FlashSalePurchase.objects.count() == 1
    item.product.refresh_from_db()
    assert (item.product.quantity_on_hand, item.product.quantity_reserved) == (3, 2)


def test_a_buyer_under_their_limit_hears_how_many_more_they_may_buy():
    show, item = live_show_with_item()
    sale = started(show, item, per_buyer_limit=3)
    buyer = buyer_with_address()
    buy(buyer, sale, quantity=2)

    with pytest.raises(ApplicationError) as refused:
        buy(buyer, sale, quantity=2)

    assert (refused.value.code, refused.value.extra) == ("limit_reached", {"left": 1})
    assert FlashSaleBuyer.objects.get(sale=sale, buyer=buyer).quantity == 2


def test_when_the_stock_runs_out_the_sales_counters_roll_back():
    show, item = live_show_with_item(quantity_on_hand=5)
    sale = started(show, item, total_limit=5, per_buyer_limit=5)
    # Someone bought at the full price meanwhile: the shelf has fewer units than the sale's cap.
    Product.objects.filter(pk=item.product_id).update(quantity_on_hand=1)
    buyer = buyer_with_address()

    with pytest.raises(ApplicationError) as refused:
        buy(buyer, sale, quantity=2)

    assert refused.value.code == "sold_out"
    sale.refresh_from_db()
    assert sale.sold == 0
    assert not FlashSaleBuyer.objects.filter(sale=sale).exists()
    assert not FlashSalePurchase.objects.exists()


def test_the_host_ends_a_sale_and_the_timer_and_sweep_end_only_sales_whose_time_is_up(
    django_capture_on_commit_callbacks,
):
    show, item = live_show_with_item()
    sale = started(show, item)
    with pytest.raises(ApplicationError) as refused:
        flash_sale_end(actor=UserFactory(), show_id=show.pk, sale_id=sale.pk)
    assert refused.value.code == "not_host"
    assert flash_sale_end_due(sale_id=sale.pk) is False
    assert flash_sales_end_due() == 0

    with django_capture_on_commit_callbacks(execute=True):
        ended = flash_sale_end(actor=show.seller, show_id=show.pk, sale_id=sale.pk)
    assert ended.status == FlashSaleStatus.ENDED
    [event] = room_events(show.pk, "flash_sale.ended")
    assert (event["sale_id"], event["reason"], event["remaining"]) == (sale.pk, "host", 10)
    with pytest.raises(ApplicationError) as refused:
        buy(buyer_with_address(), sale)
    assert refused.value.code == "sale_ended"

    timed = started(show, item)
    assert flash_sales_end_due(now=timed.ends_at) == 1
    timed.refresh_from_db()
    assert (timed.status, timed.ended_at) == (FlashSaleStatus.ENDED, timed.ends_at)


@pytest.mark.django_db(transaction=True)
def test_many_buyers_at_once_take_exactly_the_sales_units_within_their_limits():
    show, item = live_show_with_item(quantity_on_hand=12)
    sale = started(show, item, total_limit=10, per_buyer_limit=2)
    buyers = [buyer_with_address() for _ in range(12)]
    barrier = threading.Barrier(24)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(buyer, quantity):
        try:
            barrier.wait()
            buy(buyer, sale, quantity=quantity)
            result = "ok"
        except ApplicationError as error:
            result = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    # Each buyer tries twice at once: 2 units and 1 unit, 36 units asked for 10.
    threads = [threading.Thread(target=attempt, args=(b, q)) for b in buyers for q in (2, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sale.refresh_from_db()
    assert sale.sold == 10
    assert set(outcomes) <= {"ok", "sold_out", "limit_reached"}
    per_buyer = dict(FlashSaleBuyer.objects.filter(sale=sale).values_list("buyer_id", "quantity"))
    assert sum(per_buyer.values()) == 10
    assert max(per_buyer.values()) <= 2
    ordered = Order.objects.filter(flash_sale_purchase__sale=sale)
    assert sum(line.quantity for order in ordered for line in order.lines.all()) == 10
    product = Product.objects.get(pk=item.product_id)
    assert (product.quantity_on_hand, product.quantity_reserved) == (12, 10)
    assert product.quantity_available >= 0


def test_a_flash_sale_order_is_paid_like_any_other_at_the_sale_price():
    show, item = live_show_with_item(quantity_on_hand=5)
    sale = started(show, item, total_limit=5)
    buyer = buyer_with_address()
    order = buy(buyer, sale, quantity=2).order

    outcome = order_pay(buyer=buyer, order_id=order.pk, card_number=TEST_CARD_SUCCESS)

    assert outcome.order.status == OrderStatus.PAID
    assert outcome.order.total_cents == 1800 + outcome.order.shipping_cents
    product = Product.objects.get(pk=item.product_id)
    assert (product.quantity_on_hand, product.quantity_reserved) == (3, 0)
