"""The seller's stock page and API: adjust with a reason, alert thresholds (low, out, over), history."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import InventoryChange
from commerce.services.inventory import stock_adjust, stock_commit, stock_reserve, stock_thresholds_set
from commerce.services.orders import order_pay
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ProductFactory
from .test_checkout import checked_out

pytestmark = pytest.mark.django_db


def stock_alerts(product) -> list[str]:
    alerts = Notification.objects.filter(user=product.seller, kind=NotificationKind.INVENTORY)
    return list(alerts.order_by("id").values_list("title", flat=True))


def test_overstock_alert_goes_out_once_when_the_count_rises_above_the_threshold():
    product = ProductFactory(title="Lamp", quantity_on_hand=8, overstock_threshold=10)

    stock_adjust(seller=product.seller, product_id=product.pk, delta=2, reason="restock")
    stock_adjust(seller=product.seller, product_id=product.pk, delta=3, reason="restock")
    stock_adjust(seller=product.seller, product_id=product.pk, delta=4, reason="returned")

    assert stock_alerts(product) == ["13 of Lamp on hand: overstocked"]


def test_out_of_stock_and_low_stock_alerts_still_go_out_with_an_overstock_threshold():
    buyer = UserFactory()
    product = ProductFactory(title="Vase", quantity_on_hand=3, low_stock_threshold=1, overstock_threshold=20)

    stock_commit(reservation_ids=[r.pk for r in stock_reserve(buyer=buyer, lines={product.pk: 2})])
    stock_commit(reservation_ids=[r.pk for r in stock_reserve(buyer=buyer, lines={product.pk: 1})])

    assert stock_alerts(product) == ["Only 1 left of Vase", "Vase is sold out"]


def test_thresholds_are_checked_and_only_the_owner_sets_them():
    product = ProductFactory(low_stock_threshold=2)

    stock_thresholds_set(seller=product.seller, product_id=product.pk, low_stock_threshold=4, overstock_threshold=50)
    with pytest.raises(ApplicationError) as too_low:
        stock_thresholds_set(seller=product.seller, product_id=product.pk, low_stock_threshold=5, overstock_threshold=5)
    with pytest.raises(ApplicationError) as negative:
        stock_thresholds_set(
            seller=product.seller, product_id=product.pk, low_stock_threshold=-1, overstock_threshold=None
        )
    with pytest.raises(NotFound):
        stock_thresholds_set(
            seller=ProductFactory().seller, product_id=product.pk, low_stock_threshold=0, overstock_threshold=None
        )

    product.refresh_from_db()
    assert (product.low_stock_threshold, product.overstock_threshold) == (4, 50)
    assert list(too_low.value.fields) == ["overstock_threshold"]
    assert list(negative.value.fields) == ["low_stock_threshold"]


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_reads_and_sets_thresholds_and_lists_the_history_for_the_owner_only():
    buyer = UserFactory(display_name="Bo Buyer")
    product = ProductFactory(quantity_on_hand=5)
    stock_adjust(seller=product.seller, product_id=product.pk, delta=2, reason="restock", note="new box")
    stock_reserve(buyer=buyer, lines={product.pk: 1})
    thresholds = reverse("api:seller-product-stock-thresholds", kwargs={"product_id": product.pk})
    history = reverse("api:seller-product-stock-history", kwargs={"product_id": product.pk})
    owner = api_for(product.seller)
    stranger = api_for(SellerProfileFactory().user)

    levels = owner.get(thresholds)
    saved = owner.put(thresholds, {"low_stock_threshold": 3, "overstock_threshold": 40}, format="json")
    cleared = owner.put(thresholds, {"low_stock_threshold": 3}, format="json")
    refused = owner.put(thresholds, {"low_stock_threshold": 3, "overstock_threshold": 2}, format="json")
    smuggled = owner.put(thresholds, {"low_stock_threshold": 3, "quantity_on_hand": 99}, format="json")
    changes = owner.get(history)

    assert levels.json() == {
        "product_id": product.pk,
        "quantity_on_hand": 7,
        "quantity_reserved": 1,
        "quantity_available": 6,
        "low_stock_threshold": 2,
        "overstock_threshold": None,
    }
    assert (saved.status_code, saved.json()["overstock_threshold"]) == (200, 40)
    assert (cleared.status_code, cleared.json()["overstock_threshold"]) == (200, None)
    assert refused.status_code == 400
    assert smuggled.status_code == 400
    rows = changes.json()["results"]
    assert [(r["reason"], r["delta_on_hand"], r["delta_reserved"], r["actor"]) for r in rows] == [
        ("reserved", 0, 1, "Bo Buyer"),
        ("restock", 2, 0, product.seller.display_name),
    ]
    assert rows[1]["note"] == "new box"
    for response in (
        stranger.get(thresholds),
        stranger.put(thresholds, {"low_stock_threshold": 0}, format="json"),
        stranger.get(history),
    ):
        assert response.status_code == 404
    product.refresh_from_db()
    assert (product.low_stock_threshold, product.overstock_threshold, product.quantity_on_hand) == (3, None, 7)


def test_the_stock_endpoints_are_in_the_openapi_schema(api_client):
    paths = api_client.get(reverse("schema"), {"format": "json"}).json()["paths"]

    assert {"get", "put"} <= set(paths["/api/v1/seller/products/{product_id}/stock/thresholds/"])
    assert "get" in paths["/api/v1/seller/products/{product_id}/stock/history/"]


def test_the_stock_page_adjusts_sets_thresholds_and_shows_the_history(client):
    product = ProductFactory(title="Lamp", quantity_on_hand=3)
    page_url = reverse("commerce:seller_product_stock", kwargs={"product_id": product.pk})
    client.force_login(product.seller)

    edit = client.get(reverse("commerce:seller_product_edit", kwargs={"product_id": product.pk}))
    listing = client.get(reverse("commerce:seller_products"))
    adjusted = client.post(page_url, {"form": "adjust", "delta": "5", "reason": "restock", "note": "Spring delivery"})
    too_many = client.post(page_url, {"form": "adjust", "delta": "-50", "reason": "damaged"})
    set_alerts = client.post(page_url, {"form": "thresholds", "low_stock_threshold": "1", "overstock_threshold": "6"})
    bad_alerts = client.post(page_url, {"form": "thresholds", "low_stock_threshold": "4", "overstock_threshold": "3"})
    page = client.get(page_url)

    assert page_url.encode() in edit.content
    assert page_url.encode() in listing.content
    assert adjusted.status_code == 302
    assert too_many.status_code == 400
    assert b"Remove at most 8." in too_many.content
    assert set_alerts.status_code == 302
    assert bad_alerts.status_code == 400
    assert b"Use a number above the low-stock threshold" in bad_alerts.content
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.low_stock_threshold, product.overstock_threshold) == (8, 1, 6)
    assert page.status_code == 200
    assert b"Spring delivery" in page.content
    assert (
        page.content.count(b'data-testid="stock-history-row"')
        == InventoryChange.objects.filter(product=product).count()
    )
    # Eight on hand is above the overstock mark of six only once it was set; no alert was due.
    assert stock_alerts(product) == []


def test_another_sellers_stock_page_is_not_found(client):
    product = ProductFactory()
    client.force_login(SellerProfileFactory().user)

    page = client.get(reverse("commerce:seller_product_stock", kwargs={"product_id": product.pk}))
    post = client.post(
        reverse("commerce:seller_product_stock", kwargs={"product_id": product.pk}),
        {"form": "adjust", "delta": "5", "reason": "restock"},
    )

    assert (page.status_code, post.status_code) == (404, 404)
    product.refresh_from_db()
    assert product.quantity_on_hand == 3


def test_the_history_names_the_order_a_sale_came_from(client):
    buyer = UserFactory(display_name="Bo Buyer")
    product = ProductFactory(quantity_on_hand=4)
    [order] = checked_out(buyer, (product, 1))
    order_pay(buyer=buyer, order_id=order.pk, card_number="4242424242424242")
    client.force_login(product.seller)

    page = client.get(reverse("commerce:seller_product_stock", kwargs={"product_id": product.pk}))

    order_link = f'<a href="{reverse("commerce:seller_order", kwargs={"order_id": order.pk})}">{order.number}</a>'
    assert order_link.encode() in page.content
    assert b"Sold" in page.content
    assert b"Bo Buyer" in page.content
