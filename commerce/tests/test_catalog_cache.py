"""The public catalog's cache: every write is seen by the next read, 304s, and nothing per-user shared."""

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.catalog_cache import catalog_changed, catalog_version
from commerce.models import Product
from commerce.services.cart import cart_add
from commerce.services.catalog import product_archive, product_create, product_image_add, product_update
from commerce.services.inventory import stock_adjust
from commerce.services.orders import checkout
from tokshop.users.services import seller_profile_save
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ADDRESS, CategoryFactory, ProductFactory, order_placed, picture_upload

pytestmark = pytest.mark.django_db

PRODUCTS = reverse("api:products")


@pytest.fixture
def seller():
    return SellerProfileFactory(shop_name="Vintage Vault", slug="vintage-vault").user


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as if its transaction committed (the test's own transaction never does)."""

    def run(write, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(**kwargs)

    return run


def titles(client, path=PRODUCTS, **params):
    response = client.get(path, params)
    assert response.status_code == 200
    return [p["title"] for p in response.json()["results"]]


def product_url(product):
    return reverse("api:product", kwargs={"product_id": product.pk})


def test_a_second_read_is_served_without_the_database(api_client, seller, django_assert_num_queries):
    ProductFactory(seller=seller, title="Lamp")
    first = api_client.get(PRODUCTS)

    with django_assert_num_queries(0):
        again = api_client.get(PRODUCTS)

    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"


def test_every_catalog_write_is_seen_by_the_next_read(api_client, seller, committed):
    lamp = ProductFactory(seller=seller, title="Lamp", quantity_on_hand=2)
    assert titles(api_client) == ["Lamp"]

    committed(product_create, seller=seller, title="Vase", price_cents=900, quantity_on_hand=1)
    assert titles(api_client) == ["Vase", "Lamp"]

    committed(product_update, seller=seller, product_id=lamp.pk, title="Desk lamp")
    assert titles(api_client) == ["Vase", "Desk lamp"]

    assert api_client.get(product_url(lamp)).json()["quantity_available"] == 2
    committed(stock_adjust, seller=seller, product_id=lamp.pk, delta=3, reason="restock")
    assert api_client.get(product_url(lamp)).json()["quantity_available"] == 5

    committed(product_archive, seller=seller, product_id=lamp.pk)
    assert titles(api_client) == ["Vase"]
    assert api_client.get(product_url(lamp)).status_code == 404


def test_a_checkout_hold_is_seen_by_the_next_read(api_client, seller, user, committed):
    lamp = ProductFactory(seller=seller, title="Lamp", quantity_on_hand=1)
    assert api_client.get(product_url(lamp)).json()["in_stock"] is True
    cart_add(buyer=user, product_id=lamp.pk)

    committed(checkout, buyer=user, shipping=ADDRESS)

    listed = api_client.get(product_url(lamp)).json()
    assert (listed["quantity_available"], listed["in_stock"]) == (0, False)


def test_the_version_moves_only_when_the_write_commits(seller, django_capture_on_commit_callbacks):
    before = catalog_version()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        catalog_changed()
        assert catalog_version() == before
    assert catalog_version() > before

    bumped = catalog_version()

    def write_then_fail():
        with transaction.atomic():
            catalog_changed()
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        write_then_fail()
    assert catalog_version() == bumped


def test_shop_category_and_account_changes_are_seen(api_client, seller, committed):
    ProductFactory(seller=seller, title="Lamp", category=CategoryFactory(name="Lights", slug="lights"))
    assert api_client.get(PRODUCTS).json()["results"][0]["shop"]["shop_name"] == "Vintage Vault"

    committed(seller_profile_save, user=seller, shop_name="Vault & Co", slug="vintage-vault")
    assert api_client.get(PRODUCTS).json()["results"][0]["shop"]["shop_name"] == "Vault & Co"

    def rename_category():
        category = Product.objects.get().category
        category.name = "Lamps"
        category.save()

    committed(rename_category)
    assert api_client.get(PRODUCTS).json()["results"][0]["category"]["name"] == "Lamps"

    def close_account():
        seller.is_active = False
        seller.save(update_fields=["is_active"])

    committed(close_account)
    assert titles(api_client) == []


def test_a_sign_in_leaves_the_cache_alone(seller, committed):
    before = catalog_version()
    committed(lambda: seller.save(update_fields=["last_login"]))
    assert catalog_version() == before


def test_if_none_match_gets_304_until_the_catalog_changes(api_client, seller, committed):
    lamp = ProductFactory(seller=seller, title="Lamp")
    for path in (PRODUCTS, product_url(lamp)):
        first = api_client.get(path)
        etag = first["ETag"]

        unchanged = api_client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert (unchanged.status_code, unchanged.content, unchanged["ETag"]) == (304, b"", etag)
        assert api_client.get(path, HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
        assert api_client.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200

        committed(product_update, seller=seller, product_id=lamp.pk, title=f"Lamp {len(path)}")
        changed = api_client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag


def test_signed_in_visitors_and_anonymous_ones_share_only_public_data(seller):
    ProductFactory(seller=seller, title="Lamp", sku="SECRET-SKU")
    ProductFactory(seller=seller, title="Old lamp", status="archived")
    owner = APIClient()
    owner.force_authenticate(seller)
    buyer = APIClient()
    buyer.force_authenticate(UserFactory())

    # The seller reads first, so the cached page is the one the seller's request built.
    seen_by_owner = owner.get(PRODUCTS)
    seen_by_buyer = buyer.get(PRODUCTS)
    seen_by_anonymous = APIClient().get(PRODUCTS)

    assert seen_by_owner.content == seen_by_buyer.content == seen_by_anonymous.content
    assert b"SECRET-SKU" not in seen_by_anonymous.content
    assert b"Old lamp" not in seen_by_anonymous.content
    assert b"@" not in seen_by_anonymous.content  # no e-mail address of anyone
    listed = seen_by_anonymous.json()["results"][0]
    assert not {"sku", "status", "shipping_weight_grams"} & set(listed)


def test_filters_pages_and_hosts_are_cached_apart(api_client, seller, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    cheap = ProductFactory(seller=seller, title="Cheap", price_cents=100)
    product_image_add(seller=seller, product_id=cheap.pk, image=picture_upload())
    ProductFactory(seller=seller, title="Dear", price_cents=90000)

    assert titles(api_client, price_max=500) == ["Cheap"]
    assert titles(api_client, price_min=500) == ["Dear"]
    assert titles(api_client, page_size=1) == ["Dear"]
    assert titles(api_client, page_size=1, page=2) == ["Cheap"]
    assert api_client.get(PRODUCTS, {"price_min": "lots"}).status_code == 400
    assert api_client.get(PRODUCTS, {"page": 9}).status_code == 404
    # Picture URLs are absolute: each host has its own page.
    assert b"http://localhost/" in api_client.get(PRODUCTS, HTTP_HOST="localhost").content
    assert b"http://testserver/" in api_client.get(PRODUCTS).content


def test_the_browsable_api_is_built_fresh(api_client, seller):
    ProductFactory(seller=seller, title="Lamp")
    page = api_client.get(PRODUCTS, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "ETag" not in page


def test_the_shop_page_shows_every_write_and_no_one_elses_session(client, seller, committed):
    ProductFactory(seller=seller, title="Lamp")
    shop_url = reverse("commerce:shop", kwargs={"slug": "vintage-vault"})
    visitor = UserFactory(display_name="Visiting Vera")
    client.force_login(visitor)
    assert "Lamp" in client.get(shop_url).content.decode()

    committed(product_create, seller=seller, title="Vase", price_cents=900)
    client.logout()
    page = client.get(shop_url).content.decode()

    assert "Vase" in page
    assert "Lamp" in page
    assert "Visiting Vera" not in page
    assert "2 products" in page


def test_staff_edits_in_the_admin_are_seen(client, api_client, seller, django_capture_on_commit_callbacks):
    lamp = ProductFactory(seller=seller, title="Lamp", price_cents=1500)
    assert titles(api_client) == ["Lamp"]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("admin:commerce_product_delete", args=[lamp.pk]), {"post": "yes"})

    assert deleted.status_code == 302
    assert titles(api_client) == []


def test_reviews_written_edited_and_hidden_are_seen(api_client, seller, user, committed):
    from commerce.services.reviews import review_create, review_set_hidden, review_update

    lamp = ProductFactory(seller=seller, title="Lamp")
    line = order_placed(user, [lamp]).lines.get()

    def rating():
        return api_client.get(PRODUCTS).json()["results"][0]["rating"]

    assert rating() == {"average": None, "count": 0}
    review = committed(review_create, author=user, order_line_id=line.pk, rating=4, seller_rating=5)
    assert rating() == {"average": 4.0, "count": 1}
    committed(review_update, author=user, review_id=review.pk, rating=2)
    assert rating() == {"average": 2.0, "count": 1}
    staff = UserFactory(is_staff=True)
    committed(review_set_hidden, actor=staff, review_id=review.pk, hidden=True)
    assert rating() == {"average": None, "count": 0}
