"""Refunds (full, partial, by the seller's page and API, by staff) with the test gateway and Stripe."""

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import Order, OrderEvent, OrderRefund, OrderStatus
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.cart import cart_add
from commerce.services.orders import checkout, order_confirm_delivery, order_pay, order_ship
from commerce.services.payments import order_payment_start, order_payment_sync
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ProductFactory
from .test_stripe import ADDRESS, CARD_OK, browser_pays

pytestmark = pytest.mark.django_db


def paid_order(buyer: Any) -> Order:
    product: Any = ProductFactory(seller=SellerProfileFactory().user, price_cents=2000, quantity_on_hand=5)
    cart_add(buyer=buyer, product_id=product.pk)
    [order] = checkout(buyer=buyer, shipping=ADDRESS)
    order_pay(buyer=buyer, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    order.refresh_from_db()
    return order


def seller_api(order: Order) -> APIClient:
    client = APIClient()
    client.force_authenticate(order.seller)
    return client


def refund_mails() -> list[str]:
    return [str(m.subject) for m in mail.outbox if m.subject.startswith("Refund on")]


def test_partial_then_full_refund_through_the_api(user, django_capture_on_commit_callbacks):
    order = paid_order(user)
    url = reverse("api:seller-order-refund", args=[order.pk])
    api = seller_api(order)

    with django_capture_on_commit_callbacks(execute=True):
        partial = api.post(url, {"amount_cents": 500, "reason": "One cup was chipped"}, format="json")
        rest = api.post(url, {}, format="json")

    assert partial.status_code == 200
    assert (partial.json()["status"], partial.json()["refunded_cents"]) == ("partially_refunded", 500)
    assert (rest.json()["status"], rest.json()["refunded_cents"]) == ("refunded", order.total_cents)
    assert list(OrderRefund.objects.filter(order=order).values_list("amount_cents", "actor")) == [
        (500, order.seller_id),
        (order.total_cents - 500, order.seller_id),
    ]
    assert list(OrderEvent.objects.filter(order=order).values_list("to_status", flat=True))[-2:] == [
        "partially_refunded",
        "refunded",
    ]
    assert refund_mails() == [f"Refund on your Tokshop order {order.number}"] * 2
    assert user.notifications.filter(title__contains="refunded").count() == 2
    order.refresh_from_db()
    assert order.refunded_at is not None


def test_refund_refusals_change_nothing(user, other_user):
    order = paid_order(user)
    url = reverse("api:seller-order-refund", args=[order.pk])
    api = seller_api(order)
    too_much = api.post(url, {"amount_cents": order.total_cents + 1}, format="json")
    tampered = api.post(url, {"amount_cents": 100, "status": "refunded"}, format="json")
    zero = api.post(url, {"amount_cents": 0}, format="json")
    stranger = APIClient()
    stranger.force_authenticate(SellerProfileFactory().user)
    not_theirs = stranger.post(url, {}, format="json")

    assert (too_much.status_code, list(too_much.json()["fields"])) == (400, ["amount_cents"])
    assert (tampered.status_code, list(tampered.json()["fields"])) == (400, ["status"])
    assert zero.status_code == 400
    assert not_theirs.status_code == 404
    order.refresh_from_db()
    assert (order.status, order.refunded_cents) == (OrderStatus.PAID, 0)
    assert not OrderRefund.objects.exists()

    product: Any = ProductFactory(quantity_on_hand=1)
    cart_add(buyer=other_user, product_id=product.pk)
    [unpaid] = checkout(buyer=other_user, shipping=ADDRESS)
    unpaid_refund = seller_api(unpaid).post(reverse("api:seller-order-refund", args=[unpaid.pk]), {}, format="json")
    assert (unpaid_refund.status_code, unpaid_refund.json()["code"]) == (409, "order_state")


def test_a_partly_refunded_order_still_ships_and_arrives(user):
    order = paid_order(user)
    seller_api(order).post(reverse("api:seller-order-refund", args=[order.pk]), {"amount_cents": 100}, format="json")
    order_ship(seller=order.seller, order_id=order.pk, carrier="UPS", tracking_number="1Z")
    order = order_confirm_delivery(buyer=user, order_id=order.pk)
    assert (order.status, order.refunded_cents) == (OrderStatus.DELIVERED, 100)


def test_the_seller_refunds_from_the_order_page(user, client):
    order = paid_order(user)
    client.force_login(order.seller)
    page = client.get(reverse("commerce:seller_order", args=[order.pk]))
    assert 'data-testid="refund-form"' in page.content.decode()

    bad = client.post(reverse("commerce:seller_order_refund", args=[order.pk]), {"amount": "999999"})
    done = client.post(reverse("commerce:seller_order_refund", args=[order.pk]), {"amount": "5.00", "reason": "Late"})

    assert bad.status_code == 400
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refunded_cents) == (OrderStatus.PARTIALLY_REFUNDED, 500)
    seller_page = client.get(reverse("commerce:seller_order", args=[order.pk])).content.decode()
    assert 'data-testid="order-refunds"' in seller_page


def test_staff_refund_in_full_from_the_admin(user, client):
    order = paid_order(user)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:commerce_order_changelist"),
        {"action": "refund_in_full", "_selected_action": [order.pk]},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refunded_cents) == (OrderStatus.REFUNDED, order.total_cents)
    assert OrderRefund.objects.get(order=order).reason == "Refunded by Tokshop staff"


def test_a_stripe_refund_is_made_at_stripe_once_and_its_webhook_adds_nothing(
    fake_stripe, user, django_capture_on_commit_callbacks
):
    product: Any = ProductFactory(seller=SellerProfileFactory().user, price_cents=2000, quantity_on_hand=5)
    cart_add(buyer=user, product_id=product.pk)
    [order] = checkout(buyer=user, shipping=ADDRESS)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    browser_pays(fake_stripe, intent.id, CARD_OK)
    with django_capture_on_commit_callbacks(execute=True):
        order_payment_sync(order_id=order.pk)
        seller_api(order).post(
            reverse("api:seller-order-refund", args=[order.pk]), {"amount_cents": 700}, format="json"
        )
        order_payment_sync(order_id=order.pk)

    [refund] = fake_stripe.objects("refund")
    assert (refund.amount, refund.payment_intent) == (700, intent.id)
    order.refresh_from_db()
    assert (order.status, order.refunded_cents) == (OrderStatus.PARTIALLY_REFUNDED, 700)
    assert OrderRefund.objects.get(order=order).reference == refund.id
