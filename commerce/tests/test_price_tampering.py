"""R3: whatever a buyer slips into a cart, checkout or payment request — a price, a total, a fee, a
discount, a seller, a currency, a status, a buyer or an amount, in the body, the query string or
nested — is refused by name or ignored, and the amount charged is the server's total, every time.

Each case tampers with one step of a purchase from two shops (API or page), at one location, with
every field of TAMPERED at once: one honoured field would change the orders or the charge.
"""

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import Order, OrderStatus, Product
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.orders import SHIPPING_CENTS
from tokshop.core.errors import INVALID_FIELDS
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from . import test_checkout
from .factories import ProductFactory

pytestmark = pytest.mark.django_db

ADDRESS = test_checkout.ADDRESS
# Each field a tamperer might try, with the value that would profit them ("{mallory}" is their own id).
TAMPERED = {
    "price_cents": 1,
    "unit_price_cents": 1,
    "price": "0.01",
    "subtotal_cents": 1,
    "total_cents": 1,
    "total": "0.01",
    "shipping_cents": 0,
    "fee_cents": 0,
    "platform_fee_cents": 0,
    "discount": 100,
    "discount_cents": 999_999,
    "amount": 1,
    "amount_cents": 1,
    "currency": "JPY",
    "seller": "{mallory}",
    "seller_id": "{mallory}",
    "buyer": "{mallory}",
    "buyer_id": "{mallory}",
    "status": OrderStatus.PAID,
}
# The steps of a purchase where a request carries a payload.
STEPS = ["api_cart_add", "api_cart_update", "api_checkout", "api_pay", "page_cart_add", "page_checkout", "page_pay"]


# The recording gateway of the checkout tests: every charge it was asked for, amount and currency.
gateway = test_checkout.gateway

LOCATIONS = ["body", "query", "nested"]


def tampered(location: str, honest: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The honest payload and query string with every tampered field added at one location."""
    if location == "body":
        return {**honest, **values}, ""
    if location == "query":
        return honest, "?" + urlencode(values)
    return {**honest, "order": values, "lines": [{"product_id": 1, **values}]}, ""


class Purchase:
    """One buyer's purchase from two shops, through the API or the pages, one payload tampered with."""

    def __init__(self, step, location, mallory):
        self.step, self.location = step, location
        self.values = {name: mallory.pk if value == "{mallory}" else value for name, value in TAMPERED.items()}
        self.buyer = UserFactory()
        self.api = APIClient()
        self.api.force_authenticate(self.buyer)
        self.page = Client()
        self.page.force_login(self.buyer)
        self.lamp = ProductFactory(price_cents=1234, quantity_on_hand=9)
        self.vase = ProductFactory(price_cents=999, quantity_on_hand=9, seller=SellerProfileFactory().user)
        self.refusals = []

    def send(self, step: str, client: Any, method: str, url: str, honest: dict[str, Any], **kw: Any) -> Any:
        """Send the honest request, or the tampered one at the tampered step, followed by the honest
        one if it was refused."""
        if step != self.step:
            return getattr(client, method)(url, honest, **kw)
        payload, query = tampered(self.location, honest, self.values)
        response = getattr(client, method)(url + query, payload, **kw)
        if response.status_code == 400:
            self.refusals.append(response)
            response = getattr(client, method)(url, honest, **kw)
        return response

    def run(self):
        items = reverse("api:cart-items")
        self.send("api_cart_add", self.api, "post", items, {"product_id": self.lamp.pk, "quantity": 2}, format="json")
        self.send(
            "page_cart_add", self.page, "post", reverse("commerce:cart_add", args=[self.vase.pk]), {"quantity": 1}
        )
        line = next(i for i in self.api.get(reverse("api:cart")).json()["items"] if i["product"]["id"] == self.lamp.pk)
        self.send(
            "api_cart_update",
            self.api,
            "patch",
            reverse("api:cart-item", args=[line["id"]]),
            {"quantity": 2},
            format="json",
        )
        if self.step == "page_checkout":
            self.send(
                "page_checkout",
                self.page,
                "post",
                reverse("commerce:checkout"),
                {**ADDRESS, "card_number": TEST_CARD_SUCCESS},
            )
        else:
            self.send("api_checkout", self.api, "post", reverse("api:checkout"), ADDRESS, format="json")
        for order in Order.objects.filter(buyer=self.buyer, status=OrderStatus.PENDING_PAYMENT).order_by("pk"):
            if self.step == "page_pay":
                self.send(
                    "page_pay",
                    self.page,
                    "post",
                    reverse("commerce:order_pay", args=[order.pk]),
                    {"card_number": TEST_CARD_SUCCESS},
                )
            else:
                self.send(
                    "api_pay",
                    self.api,
                    "post",
                    reverse("api:order-pay", args=[order.pk]),
                    {"card_number": TEST_CARD_SUCCESS},
                    format="json",
                )
        return list(Order.objects.filter(buyer=self.buyer).order_by("pk"))


def server_total(order: Order) -> int:
    """What the order should cost, from the catalog alone: today's prices times quantities, plus shipping."""
    return sum(Product.objects.get(pk=line.product_id).price_cents * line.quantity for line in order.lines.all()) + (
        SHIPPING_CENTS
    )


@pytest.mark.parametrize("location", LOCATIONS)
@pytest.mark.parametrize("step", STEPS)
def test_the_charged_amount_is_the_server_total_whatever_the_payload(gateway, step, location):
    mallory = UserFactory()
    purchase = Purchase(step, location, mallory)

    orders = purchase.run()

    # Two shops, two orders, each paid exactly its server-computed total in the catalog's currency.
    assert [(o.seller_id, o.buyer_id, o.status, o.currency) for o in orders] == [
        (purchase.lamp.seller_id, purchase.buyer.pk, OrderStatus.PAID, "USD"),
        (purchase.vase.seller_id, purchase.buyer.pk, OrderStatus.PAID, "USD"),
    ]
    assert [o.total_cents for o in orders] == [server_total(o) for o in orders] == [2 * 1234 + 500, 999 + 500]
    assert gateway.charges == [(o.total_cents, "USD") for o in orders]
    # A refusal names every field it refused, in the API's error shape; the pages ignore what their
    # forms do not hold, and no endpoint reads prices from the query string.
    for refused in purchase.refusals:
        body = refused.json()
        assert (body["code"], body["message"]) == ("invalid", INVALID_FIELDS)
        assert set(body["fields"]) == (set(TAMPERED) if location == "body" else {"order", "lines"})
    sent = 2 if step == "api_pay" else 1  # one payment per order
    assert len(purchase.refusals) == (sent if step.startswith("api_") and location != "query" else 0)
    assert not Order.objects.filter(buyer=mallory).exists()
    assert not Order.objects.filter(seller=mallory).exists()
