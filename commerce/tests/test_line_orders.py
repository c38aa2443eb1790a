"""Orders of one product at a price set elsewhere (a flash sale): held like a checkout, shipped to
the buyer's last address unless told, and refused whole."""

import pytest
from django.db import transaction

from commerce.models import InventoryChange, Order, OrderStatus, Product, StockReservation
from commerce.services.line_orders import order_create_for_line
from commerce.services.orders import order_cancel_unpaid
from tokshop.core.errors import ApplicationError

from .factories import ADDRESS, ProductFactory, order_placed

pytestmark = pytest.mark.django_db


def create(buyer, product, **overrides):
    fields = {"quantity": 2, "unit_price_cents": 900, "source": "Flash sale 1 in show 2", **overrides}
    return order_create_for_line(buyer=buyer, product_id=product.pk, **fields)


def test_an_order_at_the_callers_price_holds_the_stock_and_ships_to_the_last_address(user):
    order_placed(user, [ProductFactory()], until=OrderStatus.PENDING_PAYMENT)
    product = ProductFactory(price_cents=1500, quantity_on_hand=5)

    order = create(user, product)

    assert (order.status, order.buyer, order.seller_id, order.subtotal_cents, order.total_cents) == (
        OrderStatus.PENDING_PAYMENT,
        user,
        product.seller_id,
        1800,
        2300,
    )
    assert [(line.title, line.unit_price_cents, line.quantity) for line in order.lines.all()] == [
        (product.title, 900, 2)
    ]
    assert order.shipping_line1 == ADDRESS["shipping_line1"]
    hold = StockReservation.objects.get(order=order)
    assert (hold.quantity, hold.status) == (2, "active")
    assert InventoryChange.objects.get(reservation=hold).order == order
    assert order.events.get().note == "Flash sale 1 in show 2"
    product.refresh_from_db()
    assert product.quantity_available == 3


def test_a_price_the_buyers_set_may_rise_above_the_catalogs_when_the_caller_says_so(user):
    product = ProductFactory(price_cents=1500, quantity_on_hand=3)
    order = create(user, product, quantity=1, unit_price_cents=4200, shipping=ADDRESS, above_catalog_price=True)
    assert (order.subtotal_cents, order.lines.get().unit_price_cents) == (4200, 4200)


def test_an_unpaid_order_is_cancelled_by_tokshop_with_the_reason_and_its_stock_back(user):
    product = ProductFactory(quantity_on_hand=3)
    order = create(user, product, shipping=ADDRESS)

    order_cancel_unpaid(order_id=order.pk, note="Auction 7: not paid in time")

    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert (product.quantity_on_hand, product.quantity_reserved) == (3, 0)
    event = order.events.latest("id")
    assert (event.actor, event.note) == (None, "Auction 7: not paid in time")
    with pytest.raises(ApplicationError) as refused:
        order_cancel_unpaid(order_id=order.pk, note="again")
    assert refused.value.code == "order_state"
    assert order.events.count() == 2


def test_a_given_address_is_used_and_checked(user):
    product = ProductFactory()
    order = create(user, product, shipping={**ADDRESS, "shipping_city": "Lyon", "shipping_country": "fr"})
    assert (order.shipping_city, order.shipping_country) == ("Lyon", "FR")

    with pytest.raises(ApplicationError) as refused:
        create(user, product, shipping={**ADDRESS, "shipping_name": ""})
    assert list(refused.value.fields) == ["shipping_name"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({}, "address_required"),
        ({"shipping": ADDRESS, "unit_price_cents": 1501}, "invalid_line"),
        ({"shipping": ADDRESS, "unit_price_cents": 0}, "invalid_line"),
        ({"shipping": ADDRESS, "unit_price_cents": 0, "above_catalog_price": True}, "invalid_line"),
        ({"shipping": ADDRESS, "quantity": 0}, "invalid_line"),
        ({"shipping": ADDRESS, "quantity": 4}, "sold_out"),
    ],
)
def test_a_refused_order_holds_nothing_and_creates_nothing(user, overrides, code):
    product = ProductFactory(price_cents=1500, quantity_on_hand=3)

    with pytest.raises(ApplicationError) as refused:
        create(user, product, **overrides)

    assert refused.value.code == code
    assert not Order.objects.exists()
    assert not StockReservation.objects.exists()
    product.refresh_from_db()
    assert product.quantity_reserved == 0


def test_own_and_archived_products_are_refused(user):
    own = ProductFactory()
    with pytest.raises(ApplicationError) as refused:
        create(own.seller, own, shipping=ADDRESS)
    assert refused.value.code == "own_product"
    archived = ProductFactory(status="archived")
    with pytest.raises(ApplicationError) as refused:
        create(user, archived, shipping=ADDRESS)
    assert refused.value.code == "not_sold"
    assert not Order.objects.exists()


def test_a_refusal_inside_the_callers_transaction_rolls_back_the_callers_writes_too(user):
    product = ProductFactory(quantity_on_hand=1, title="Rare")

    def caller() -> None:
        with transaction.atomic():
            Product.objects.filter(pk=product.pk).update(title="Renamed by the caller")
            create(user, product, shipping=ADDRESS, quantity=2)

    with pytest.raises(ApplicationError):
        caller()

    product.refresh_from_db()
    assert product.title == "Rare"


def test_an_address_too_long_for_its_column_or_not_text_is_refused_by_field(user):
    product = ProductFactory()

    with pytest.raises(ApplicationError) as refused:
        create(user, product, shipping={**ADDRESS, "shipping_city": "x" * 101})

    assert refused.value.fields == {"shipping_city": ["Use at most 100 characters."]}
    with pytest.raises(ApplicationError) as refused:
        create(user, product, shipping={**ADDRESS, "shipping_name": ["Ada"], "shipping_city": 7})
    assert refused.value.fields == {
        "shipping_city": ["Send this field as text."],
        "shipping_name": ["Send this field as text."],
    }
    assert not Order.objects.exists()
