"""Checkout, payment and the life of an order: services, API, pages, and oversell under real concurrency."""

import threading

import pytest
from django.core import mail
from django.db import connections
from django.urls import reverse

from commerce import payments
from commerce.models import (
    InventoryChange,
    InventoryReason,
    Order,
    OrderEvent,
    OrderStatus,
    Product,
    ReservationStatus,
    StockReservation,
)
from commerce.payments import TEST_CARD_AUTHENTICATION, TEST_CARD_DECLINED, TEST_CARD_SUCCESS, ChargeStatus
from commerce.services.cart import cart_add
from commerce.services.inventory import reservations_expire
from commerce.services.orders import (
    SHIPPING_CENTS,
    checkout,
    order_cancel,
    order_confirm_delivery,
    order_pay,
    order_ship,
)
from commerce.signals import order_paid
from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ProductFactory

pytestmark = pytest.mark.django_db

# Concurrent buyers in the oversell test; 100 keeps the suite quick, bench/checkout.py runs 1,000.
CONCURRENT_BUYERS = 100
ADDRESS = {
    "shipping_name": "Ada Buyer",
    "shipping_line1": "1 Main Street",
    "shipping_city": "Springfield",
    "shipping_postal_code": "12345",
    "shipping_country": "us",
}


class RecordingGateway(payments.TestGateway):
    def __init__(self) -> None:
        self.charges: list[tuple[int, str]] = []

    def charge(self, **kwargs):
        self.charges.append((kwargs["amount_cents"], kwargs["currency"]))
        return super().charge(**kwargs)


@pytest.fixture
def gateway(monkeypatch):
    recording = RecordingGateway()
    monkeypatch.setattr("commerce.services.orders.payment_gateway", lambda: recording)
    return recording


def stock(product: Product) -> tuple[int, int]:
    product.refresh_from_db()
    return product.quantity_on_hand, product.quantity_reserved


def checked_out(buyer, *products_and_quantities) -> list[Order]:
    for product, quantity in products_and_quantities:
        cart_add(buyer=buyer, product_id=product.pk, quantity=quantity)
    return checkout(buyer=buyer, shipping=ADDRESS)


def test_checkout_makes_one_order_per_seller_with_server_prices_and_holds_the_stock(user):
    first_shop = SellerProfileFactory().user
    lamp = ProductFactory(seller=first_shop, title="Lamp", price_cents=2000, quantity_on_hand=3)
    vase = ProductFactory(seller=first_shop, title="Vase", price_cents=1500, quantity_on_hand=3)
    chair = ProductFactory(title="Chair", price_cents=9000, quantity_on_hand=1)

    orders = checked_out(user, (lamp, 2), (vase, 1), (chair, 1))

    assert [(o.seller, o.status, o.subtotal_cents, o.shipping_cents, o.total_cents) for o in orders] == [
        (first_shop, OrderStatus.PENDING_PAYMENT, 5500, SHIPPING_CENTS, 5500 + SHIPPING_CENTS),
        (chair.seller, OrderStatus.PENDING_PAYMENT, 9000, SHIPPING_CENTS, 9000 + SHIPPING_CENTS),
    ]
    assert [(line.title, line.unit_price_cents, line.quantity) for line in orders[0].lines.all()] == [
        ("Lamp", 2000, 2),
        ("Vase", 1500, 1),
    ]
    assert orders[0].shipping_country == "US"
    assert (stock(lamp), stock(vase), stock(chair)) == ((3, 2), (3, 1), (1, 1))
    assert StockReservation.objects.filter(order=orders[0]).count() == 2
    assert not user.cart.items.exists()
    assert list(OrderEvent.objects.filter(order=orders[1]).values_list("to_status", flat=True)) == ["pending_payment"]


def test_sold_out_meanwhile_is_a_conflict_naming_the_product_and_nothing_is_held(user, other_user):
    plenty = ProductFactory(quantity_on_hand=5)
    scarce = ProductFactory(title="Last lamp", quantity_on_hand=1)
    cart_add(buyer=user, product_id=plenty.pk)
    cart_add(buyer=user, product_id=scarce.pk)
    checked_out(other_user, (scarce, 1))

    with pytest.raises(Conflict) as refused:
        checkout(buyer=user, shipping=ADDRESS)

    assert refused.value.extra == {"product_id": scarce.pk}
    assert "Last lamp" in refused.value.message
    assert stock(plenty) == (5, 0)
    assert not Order.objects.filter(buyer=user).exists()
    assert user.cart.items.count() == 2


def test_checkout_refuses_an_empty_cart_bad_addresses_and_extra_fields(user):
    with pytest.raises(ApplicationError) as empty:
        checkout(buyer=user, shipping=ADDRESS)
    assert empty.value.code == "cart_empty"
    cart_add(buyer=user, product_id=ProductFactory().pk)
    with pytest.raises(ApplicationError) as missing:
        checkout(buyer=user, shipping={**ADDRESS, "shipping_city": " "})
    assert list(missing.value.fields) == ["shipping_city"]
    with pytest.raises(ApplicationError) as tampered:
        checkout(buyer=user, shipping={**ADDRESS, "total_cents": 1})
    assert list(tampered.value.fields) == ["total_cents"]
    assert not Order.objects.exists()


def test_paying_charges_the_server_total_sells_the_stock_and_tells_everyone(
    user, gateway, django_capture_on_commit_callbacks
):
    product = ProductFactory(price_cents=1234, quantity_on_hand=3)
    [order] = checked_out(user, (product, 2))
    heard = []
    order_paid.connect(lambda sender, order, **kw: heard.append(order.pk), weak=False, dispatch_uid="test")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    finally:
        order_paid.disconnect(dispatch_uid="test")

    assert outcome.status == ChargeStatus.SUCCEEDED
    assert gateway.charges == [(2468 + SHIPPING_CENTS, "USD")]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert order.payment_reference.startswith("test_")
    assert stock(product) == (1, 0)
    assert heard == [order.pk]
    assert InventoryChange.objects.get(reason=InventoryReason.SOLD).order == order
    kinds = set(Notification.objects.filter(kind=NotificationKind.ORDERS).values_list("user_id", flat=True))
    assert kinds == {user.pk, product.seller_id}
    receipt = next(m for m in mail.outbox if "receipt" in m.subject)
    assert receipt.to == [user.email]
    assert "$29.68" in receipt.body
    with pytest.raises(Conflict):
        order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    assert len(gateway.charges) == 1


@pytest.mark.parametrize(
    ("card", "status"),
    [(TEST_CARD_DECLINED, ChargeStatus.DECLINED), (TEST_CARD_AUTHENTICATION, ChargeStatus.REQUIRES_ACTION)],
)
def test_a_refused_card_leaves_the_order_pending_with_the_reason(user, gateway, card, status):
    product = ProductFactory(quantity_on_hand=1)
    [order] = checked_out(user, (product, 1))

    outcome = order_pay(buyer=user, order_id=order.pk, card_number=card)

    assert outcome.status == status
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_failure == outcome.message
    assert stock(product) == (1, 1)


def test_an_expired_hold_is_taken_again_when_paying_if_stock_is_left(user, gateway):
    product = ProductFactory(quantity_on_hand=1)
    [order] = checked_out(user, (product, 1))
    StockReservation.objects.update(expires_at=order.created_at)
    reservations_expire()
    assert stock(product) == (1, 0)

    order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)

    assert stock(product) == (0, 0)
    assert set(StockReservation.objects.values_list("status", flat=True)) == {
        ReservationStatus.EXPIRED,
        ReservationStatus.COMMITTED,
    }


def test_an_expired_hold_on_sold_out_stock_refuses_payment(user, other_user, gateway):
    product = ProductFactory(quantity_on_hand=1)
    [order] = checked_out(user, (product, 1))
    StockReservation.objects.update(expires_at=order.created_at)
    reservations_expire()
    checked_out(other_user, (product, 1))

    with pytest.raises(Conflict):
        order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    assert gateway.charges == []


def test_cancel_releases_the_hold_and_only_while_pending(user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    [order] = checked_out(user, (product, 2))

    order_cancel(buyer=user, order_id=order.pk)

    assert stock(product) == (2, 0)
    order.refresh_from_db()
    assert (order.status, order.cancelled_at is not None) == (OrderStatus.CANCELLED, True)
    with pytest.raises(Conflict):
        order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    assert gateway.charges == []


def test_ship_then_confirm_delivery_with_an_audit_trail(user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    [order] = checked_out(user, (product, 1))
    with pytest.raises(Conflict):
        order_ship(seller=product.seller, order_id=order.pk, carrier="UPS", tracking_number="1Z")
    order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    with pytest.raises(NotFound):
        order_ship(seller=user, order_id=order.pk, carrier="UPS", tracking_number="1Z")
    with pytest.raises(ApplicationError):
        order_ship(seller=product.seller, order_id=order.pk, carrier="UPS", tracking_number=" ")

    order_ship(seller=product.seller, order_id=order.pk, carrier="UPS", tracking_number="1Z999")
    order_confirm_delivery(buyer=user, order_id=order.pk)

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (OrderStatus.DELIVERED, "UPS", "1Z999")
    trail = list(order.events.exclude(from_status="").values_list("actor_id", "from_status", "to_status"))
    assert trail == [
        (user.pk, "pending_payment", "paid"),
        (product.seller_id, "paid", "shipped"),
        (user.pk, "shipped", "delivered"),
    ]
    assert Notification.objects.filter(user=user, title__contains="on its way").exists()


# --- API ---------------------------------------------------------------------------------------------


def test_api_checkout_pay_and_read_back(user_client, user, gateway):
    product = ProductFactory(price_cents=1000, quantity_on_hand=2)
    user_client.post(reverse("api:cart-items"), {"product_id": product.pk}, format="json")

    created = user_client.post(reverse("api:checkout"), ADDRESS, format="json")
    assert created.status_code == 201
    [order] = created.json()
    assert (order["status"], order["total_cents"]) == ("pending_payment", 1000 + SHIPPING_CENTS)
    declined = user_client.post(
        reverse("api:order-pay", args=[order["id"]]), {"card_number": TEST_CARD_DECLINED}, format="json"
    )
    assert declined.status_code == 402
    assert declined.json()["code"] == "card_declined"
    paid = user_client.post(
        reverse("api:order-pay", args=[order["id"]]), {"card_number": "4242 4242 4242 4242"}, format="json"
    )
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert [o["id"] for o in user_client.get(reverse("api:orders")).json()["results"]] == [order["id"]]
    assert gateway.charges == [(1500, "USD"), (1500, "USD")]


@pytest.mark.parametrize(
    "field",
    [
        "price_cents",
        "total_cents",
        "subtotal_cents",
        "shipping_cents",
        "fee_cents",
        "discount",
        "seller",
        "status",
        "currency",
    ],
)
def test_api_checkout_refuses_tampered_fields_and_charges_the_server_total(user_client, user, gateway, field):
    product = ProductFactory(price_cents=1000, quantity_on_hand=2)
    cart_add(buyer=user, product_id=product.pk)

    refused = user_client.post(reverse("api:checkout"), {**ADDRESS, field: 1}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == [field]
    assert not Order.objects.exists()
    [order] = user_client.post(reverse("api:checkout"), ADDRESS, format="json").json()
    tampered_pay = user_client.post(
        reverse("api:order-pay", args=[order["id"]]), {"card_number": TEST_CARD_SUCCESS, "amount": 1}, format="json"
    )
    assert tampered_pay.status_code == 400
    user_client.post(reverse("api:order-pay", args=[order["id"]]), {"card_number": TEST_CARD_SUCCESS}, format="json")
    assert gateway.charges == [(1000 + SHIPPING_CENTS, "USD")]


def test_api_sold_out_is_409_naming_the_product(user_client, user, other_user):
    product = ProductFactory(quantity_on_hand=1)
    cart_add(buyer=user, product_id=product.pk)
    checked_out(other_user, (product, 1))

    response = user_client.post(reverse("api:checkout"), ADDRESS, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["product_id"]) == ("sold_out", product.pk)


def test_api_other_peoples_orders_are_404_and_absent_from_lists(api_client, user, other_user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    [order] = checked_out(other_user, (product, 1))
    api_client.force_authenticate(user)

    for name in ["api:order"]:
        assert api_client.get(reverse(name, args=[order.pk])).status_code == 404
    for name in ["api:order-cancel", "api:order-confirm"]:
        assert api_client.post(reverse(name, args=[order.pk])).status_code == 404
    pay = api_client.post(reverse("api:order-pay", args=[order.pk]), {"card_number": TEST_CARD_SUCCESS}, format="json")
    assert pay.status_code == 404
    assert api_client.get(reverse("api:orders")).json()["results"] == []
    other_seller = SellerProfileFactory().user
    api_client.force_authenticate(other_seller)
    assert api_client.get(reverse("api:seller-orders")).json()["results"] == []
    ship = api_client.post(
        reverse("api:seller-order-ship", args=[order.pk]), {"carrier": "UPS", "tracking_number": "1"}, format="json"
    )
    assert ship.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert gateway.charges == []


def test_api_seller_lists_and_ships_orders(api_client, user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    [order] = checked_out(user, (product, 1))
    order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    api_client.force_authenticate(product.seller)

    listed = api_client.get(reverse("api:seller-orders"), {"status": "paid"}).json()["results"]
    shipped = api_client.post(
        reverse("api:seller-order-ship", args=[order.pk]), {"carrier": "UPS", "tracking_number": "1Z"}, format="json"
    )

    assert [o["id"] for o in listed] == [order.pk]
    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    api_client.force_authenticate(user)
    confirmed = api_client.post(reverse("api:order-confirm", args=[order.pk]))
    assert confirmed.json()["status"] == "delivered"


# --- Pages -------------------------------------------------------------------------------------------


def test_checkout_page_places_and_pays_the_order(client, user, gateway):
    product = ProductFactory(title="Brass lamp", price_cents=2000, quantity_on_hand=2)
    cart_add(buyer=user, product_id=product.pk)
    client.force_login(user)

    page = client.get(reverse("commerce:checkout")).content.decode()
    assert "$25.00" in page
    response = client.post(reverse("commerce:checkout"), {**ADDRESS, "card_number": "4242 4242 4242 4242"}, follow=True)

    order = Order.objects.get(buyer=user)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert order.status == OrderStatus.PAID
    assert "is paid" in response.content.decode()
    assert gateway.charges == [(2500, "USD")]
    assert order.number in client.get(reverse("commerce:orders")).content.decode()


def test_declined_on_the_page_then_paid_from_the_order_page(client, user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    cart_add(buyer=user, product_id=product.pk)
    client.force_login(user)

    declined = client.post(reverse("commerce:checkout"), {**ADDRESS, "card_number": TEST_CARD_DECLINED}, follow=True)
    order = Order.objects.get(buyer=user)
    assert "Your card was declined." in declined.content.decode()
    client.post(reverse("commerce:order_pay", args=[order.pk]), {"card_number": TEST_CARD_SUCCESS})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_pages_hide_other_peoples_orders(client, user, other_user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    [order] = checked_out(other_user, (product, 1))
    client.force_login(user)

    assert client.get(reverse("commerce:order", args=[order.pk])).status_code == 404
    assert client.post(reverse("commerce:order_cancel", args=[order.pk])).status_code == 404
    assert (
        client.post(reverse("commerce:order_pay", args=[order.pk]), {"card_number": TEST_CARD_SUCCESS}).status_code
        == 404
    )
    seller = SellerProfileFactory().user
    client.force_login(seller)
    assert client.get(reverse("commerce:seller_order", args=[order.pk])).status_code == 404
    assert order.number not in client.get(reverse("commerce:seller_orders")).content.decode()
    assert gateway.charges == []


def test_seller_ships_from_the_order_page(client, user, gateway):
    product = ProductFactory(quantity_on_hand=2)
    [order] = checked_out(user, (product, 1))
    order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    client.force_login(product.seller)

    assert order.number in client.get(reverse("commerce:seller_orders")).content.decode()
    client.post(reverse("commerce:seller_order", args=[order.pk]), {"carrier": "DHL", "tracking_number": "JD01"})

    order.refresh_from_db()
    assert (order.status, order.carrier) == (OrderStatus.SHIPPED, "DHL")
    client.force_login(user)
    client.post(reverse("commerce:order_confirm", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


# --- R1: oversell under real concurrency ------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_sell_exactly_what_is_on_hand():
    product = ProductFactory(quantity_on_hand=10)
    buyers = [UserFactory() for _ in range(CONCURRENT_BUYERS)]
    for buyer in buyers:
        cart_add(buyer=buyer, product_id=product.pk)
    barrier = threading.Barrier(CONCURRENT_BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(buyer) -> None:
        try:
            barrier.wait()
            try:
                checkout(buyer=buyer, shipping=ADDRESS)
                outcome = "ordered"
            except Conflict as refused:
                outcome = f"conflict on {refused.extra['product_id']}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ordered") == 10
    assert outcomes.count(f"conflict on {product.pk}") == CONCURRENT_BUYERS - 10
    assert Order.objects.count() == 10
    assert stock(product) == (10, 10)
    assert StockReservation.objects.active().count() == 10


def test_a_sold_out_checkout_is_refused_by_one_read(user, other_user, django_assert_num_queries):
    """The flash-sale path: no transaction, no lock, one query."""
    scarce = ProductFactory(title="Last lamp", quantity_on_hand=1)
    cart_add(buyer=user, product_id=scarce.pk)
    checked_out(other_user, (scarce, 1))

    with django_assert_num_queries(1), pytest.raises(Conflict) as refused:
        checkout(buyer=user, shipping=ADDRESS)

    assert (refused.value.code, refused.value.extra) == ("sold_out", {"product_id": scarce.pk})
    assert stock(scarce) == (1, 1)


def test_a_line_sold_after_the_first_read_is_still_refused_under_the_lock(user, monkeypatch):
    from commerce.services import orders as orders_service

    scarce = ProductFactory(title="Last lamp", quantity_on_hand=1)
    plenty = ProductFactory(quantity_on_hand=5)
    cart_add(buyer=user, product_id=scarce.pk)
    cart_add(buyer=user, product_id=plenty.pk)
    real_check = orders_service._checkout_lines_check

    def sold_meanwhile(**kwargs):
        # Another buyer takes the last unit between the unlocked read and the locked checkout.
        real_check(**kwargs)
        if kwargs["sold_out"]:
            Product.objects.filter(pk=scarce.pk).update(quantity_reserved=1)

    monkeypatch.setattr(orders_service, "_checkout_lines_check", sold_meanwhile)
    with pytest.raises(Conflict) as refused:
        checkout(buyer=user, shipping=ADDRESS)

    assert (refused.value.code, refused.value.extra) == ("sold_out", {"product_id": scarce.pk})
    assert (stock(scarce), stock(plenty)) == ((1, 1), (5, 0))
    assert not Order.objects.filter(buyer=user).exists()
    assert not StockReservation.objects.filter(buyer=user).exists()
