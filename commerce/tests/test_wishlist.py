"""Wishlists: saving products (service, API, pages) and the back-in-stock notification."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.models import ProductStatus, WishlistItem
from commerce.services.inventory import reservations_expire, stock_adjust, stock_reserve
from commerce.services.wishlist import wishlist_add, wishlist_back_in_stock_notify, wishlist_remove
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.tests.factories import UserFactory

from .factories import ProductFactory

pytestmark = pytest.mark.django_db

WISHLIST = reverse("api:wishlist")
SAVED = reverse("commerce:saved")


def wishlist_item(product_id):
    return reverse("api:wishlist-item", kwargs={"product_id": product_id})


def saved_notices(user):
    return list(Notification.objects.filter(user=user, kind=NotificationKind.SAVED))


@pytest.fixture
def product():
    return ProductFactory(title="Brass lamp", quantity_on_hand=2)


# --- service ---


def test_saving_twice_keeps_one_row_and_removing_is_idempotent(user, product):
    first, created = wishlist_add(buyer=user, product_id=product.pk)
    again, created_again = wishlist_add(buyer=user, product_id=product.pk)

    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert WishlistItem.objects.filter(buyer=user).count() == 1
    assert wishlist_remove(buyer=user, product_id=product.pk) is True
    assert wishlist_remove(buyer=user, product_id=product.pk) is False
    assert not WishlistItem.objects.exists()


def test_archived_missing_and_own_products_cannot_be_saved(user):
    archived = ProductFactory(status=ProductStatus.ARCHIVED)
    own = ProductFactory(seller=UserFactory(is_seller=True))

    with pytest.raises(NotFound):
        wishlist_add(buyer=user, product_id=archived.pk)
    with pytest.raises(NotFound):
        wishlist_add(buyer=user, product_id=999_999)
    with pytest.raises(ApplicationError) as refused:
        wishlist_add(buyer=own.seller, product_id=own.pk)

    assert refused.value.code == "own_product"
    assert not WishlistItem.objects.exists()


def test_a_restock_tells_the_buyers_who_saved_the_product_once(user, other_user, django_capture_on_commit_callbacks):
    product = ProductFactory(title="Atomic clock", quantity_on_hand=0)
    wishlist_add(buyer=user, product_id=product.pk)

    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(seller=product.seller, product_id=product.pk, delta=2, reason="restock")

    [notice] = saved_notices(user)
    assert notice.title == "Atomic clock is back in stock"
    assert notice.url == product.get_absolute_url()
    assert saved_notices(other_user) == []
    # Sold out and back again the same day: no second message.
    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(seller=product.seller, product_id=product.pk, delta=-2, reason="correction")
        stock_adjust(seller=product.seller, product_id=product.pk, delta=1, reason="restock")
    assert len(saved_notices(user)) == 1
    # A day later it counts as news again.
    assert wishlist_back_in_stock_notify(product_id=product.pk, now=timezone.now() + timedelta(hours=25)) == 1
    assert len(saved_notices(user)) == 2


def test_an_expired_hold_on_the_last_unit_tells_the_savers(user, other_user, django_capture_on_commit_callbacks):
    product = ProductFactory(quantity_on_hand=1)
    wishlist_add(buyer=user, product_id=product.pk)
    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(buyer=other_user, lines={product.pk: 1})
    assert saved_notices(user) == []

    with django_capture_on_commit_callbacks(execute=True):
        reservations_expire(now=timezone.now() + timedelta(hours=1))

    assert len(saved_notices(user)) == 1


def test_stock_that_was_already_available_tells_nobody(user, product, django_capture_on_commit_callbacks):
    wishlist_add(buyer=user, product_id=product.pk)

    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(seller=product.seller, product_id=product.pk, delta=3, reason="restock")

    assert saved_notices(user) == []


def test_an_archived_or_sold_out_product_tells_nobody(user):
    product = ProductFactory(quantity_on_hand=0)
    wishlist_add(buyer=user, product_id=product.pk)

    assert wishlist_back_in_stock_notify(product_id=product.pk) == 0
    product.quantity_on_hand = 4
    product.status = ProductStatus.ARCHIVED
    product.save()
    assert wishlist_back_in_stock_notify(product_id=product.pk) == 0
    assert saved_notices(user) == []


# --- API ---


def test_the_api_saves_lists_and_unsaves(user_client, product):
    created = user_client.put(wishlist_item(product.pk))
    again = user_client.put(wishlist_item(product.pk))
    listed = user_client.get(WISHLIST).json()

    assert created.status_code == 201
    assert again.status_code == 200
    assert created.json()["product"]["id"] == product.pk
    assert created.json()["product"]["rating"] == {"average": None, "count": 0}
    assert listed["count"] == 1
    assert listed["results"][0]["product"]["title"] == "Brass lamp"
    assert user_client.delete(wishlist_item(product.pk)).status_code == 204
    assert user_client.delete(wishlist_item(product.pk)).status_code == 204
    assert user_client.get(WISHLIST).json()["count"] == 0


def test_the_api_lists_only_the_callers_saved_products(user_client, other_user, product):
    wishlist_add(buyer=other_user, product_id=product.pk)

    assert user_client.get(WISHLIST).json()["count"] == 0


def test_the_api_refusals(user_client, api_client, product):
    archived = ProductFactory(status=ProductStatus.ARCHIVED)
    own_client = APIClient()
    own_client.force_authenticate(product.seller)

    assert api_client.get(WISHLIST).status_code == 401
    assert api_client.put(wishlist_item(product.pk)).status_code == 401
    assert api_client.delete(wishlist_item(product.pk)).status_code == 401
    assert user_client.put(wishlist_item(999_999)).status_code == 404
    assert user_client.put(wishlist_item(archived.pk)).json()["code"] == "not_found"
    own = own_client.put(wishlist_item(product.pk))
    assert own.status_code == 400
    assert own.json()["code"] == "own_product"
    assert not WishlistItem.objects.exists()


def test_the_wishlist_endpoints_are_in_the_schema(api_client):
    schema = api_client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()

    assert set(schema["paths"]["/api/v1/wishlist/{product_id}/"]) >= {"put", "delete"}
    assert "get" in schema["paths"]["/api/v1/wishlist/"]


# --- pages ---


def test_the_saved_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(SAVED)

    assert response.status_code == 302
    assert reverse("users:login") in response["Location"]


def test_saving_without_javascript_posts_and_comes_back(client, user, product):
    client.force_login(user)
    search = reverse("commerce:search")

    saved = client.post(reverse("commerce:wishlist_save", args=[product.pk]), {"next": search})
    page = client.get(SAVED)

    assert saved.status_code == 302
    assert saved["Location"] == search
    assert page.status_code == 200
    assert b"Brass lamp" in page.content
    assert b'aria-pressed="true"' in page.content
    removed = client.post(reverse("commerce:wishlist_remove", args=[product.pk]), {"next": "https://evil.example/"})
    assert removed["Location"] == SAVED
    assert b"Nothing saved yet" in client.get(SAVED).content


def test_saving_with_htmx_swaps_the_heart_in_place(client, user, product):
    client.force_login(user)

    response = client.post(
        reverse("commerce:wishlist_save", args=[product.pk]), {"next": "/search/", "label": "1"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-pressed="true"' in html
    assert reverse("commerce:wishlist_remove", args=[product.pk]) in html
    assert "<span>Saved</span>" in html
    assert WishlistItem.objects.filter(buyer=user, product=product).exists()


def test_cards_show_which_products_the_buyer_saved(client, user, product):
    other = ProductFactory(title="Teak table")
    wishlist_add(buyer=user, product_id=product.pk)
    client.force_login(user)

    html = client.get(reverse("commerce:search")).content.decode()

    assert f'aria-label="Saved: remove {product.title} from Saved"' in html
    assert f'aria-label="Save {other.title}"' in html


def test_saving_ones_own_product_from_a_page_is_refused_with_a_message(client, product):
    client.force_login(product.seller)

    response = client.post(reverse("commerce:wishlist_save", args=[product.pk]), follow=True)

    assert "You cannot save your own product." in response.content.decode()
    assert not WishlistItem.objects.exists()
