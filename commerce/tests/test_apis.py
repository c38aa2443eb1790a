import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import Product, ProductImage, ProductStatus
from tokshop.users.tests.factories import SellerProfileFactory

from .factories import CategoryFactory, ProductFactory, picture_upload

pytestmark = pytest.mark.django_db

SELLER_PRODUCTS = reverse("api:seller-products")
PRODUCTS = reverse("api:products")


def seller_product(product_id):
    return reverse("api:seller-product", kwargs={"product_id": product_id})


@pytest.fixture
def seller():
    return SellerProfileFactory(shop_name="Vintage Vault", slug="vintage-vault").user


@pytest.fixture
def seller_client(seller):
    client = APIClient()
    client.force_authenticate(seller)
    return client


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def test_a_seller_creates_and_lists_their_products(seller_client):
    category = CategoryFactory(slug="cameras")
    payload = {
        "title": "Polaroid SX-70",
        "price_cents": 18000,
        "category_id": category.pk,
        "condition": "good",
        "tags": ["Film", "instant"],
        "sku": "SX70",
        "quantity_on_hand": 2,
    }

    created = seller_client.post(SELLER_PRODUCTS, payload)

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["title"] == "Polaroid SX-70"
    assert body["tags"] == ["film", "instant"]
    assert body["category"]["slug"] == "cameras"
    assert body["shop"] == {"shop_name": "Vintage Vault", "slug": "vintage-vault", "is_verified": False}
    assert body["status"] == "active"
    assert body["url"] == f"/products/{body['id']}/polaroid-sx-70/"
    listed = seller_client.get(SELLER_PRODUCTS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price_cents": 1000}, "title"),
        ({"title": "Lamp", "price_cents": 0}, "price_cents"),
        ({"title": "Lamp", "price_cents": 1000, "currency": "12$"}, "currency"),
        ({"title": "Lamp", "price_cents": 1000, "category_id": 99999}, "category_id"),
        ({"title": "Lamp", "price_cents": 1000, "seller": 1}, "seller"),
        ({"title": "Lamp", "price_cents": 1000, "status": "archived"}, "status"),
    ],
)
def test_create_refusals_name_the_field_and_create_nothing(seller_client, payload, field):
    response = seller_client.post(SELLER_PRODUCTS, payload)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not Product.objects.exists()


def test_buyers_cannot_use_the_seller_api(user_client, api_client):
    assert user_client.post(SELLER_PRODUCTS, {"title": "Lamp", "price_cents": 1000}).status_code == 403
    assert user_client.get(SELLER_PRODUCTS).status_code == 403
    assert api_client.get(SELLER_PRODUCTS).status_code in (401, 403)
    assert not Product.objects.exists()


def test_another_sellers_product_is_404_everywhere_and_absent_from_lists(seller_client):
    theirs = ProductFactory(price_cents=1000, title="Theirs")
    url = seller_product(theirs.pk)

    assert seller_client.get(url).status_code == 404
    assert seller_client.patch(url, {"price_cents": 1}).status_code == 404
    assert seller_client.delete(url).status_code == 404
    images = reverse("api:seller-product-images", kwargs={"product_id": theirs.pk})
    assert seller_client.post(images, {"image": picture_upload()}, format="multipart").status_code == 404
    assert seller_client.get(SELLER_PRODUCTS).json()["count"] == 0
    theirs.refresh_from_db()
    assert (theirs.price_cents, theirs.status) == (1000, ProductStatus.ACTIVE)
    assert not ProductImage.objects.exists()


def test_patch_changes_fields_and_refuses_owner_and_status(seller, seller_client):
    product = ProductFactory(seller=seller, price_cents=1000)
    other = SellerProfileFactory().user

    changed = seller_client.patch(seller_product(product.pk), {"price_cents": 1250, "title": "New title"})
    refused = seller_client.patch(seller_product(product.pk), {"seller": other.pk, "status": "archived", "id": 5})

    assert changed.status_code == 200
    assert (changed.json()["price_cents"], changed.json()["slug"]) == (1250, "new-title")
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"seller", "status", "id"}
    product.refresh_from_db()
    assert (product.seller, product.status, product.pk) == (seller, ProductStatus.ACTIVE, product.pk)


def test_delete_archives(seller, seller_client):
    product = ProductFactory(seller=seller)

    assert seller_client.delete(seller_product(product.pk)).status_code == 204

    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED
    assert seller_client.get(reverse("api:product", kwargs={"product_id": product.pk})).status_code == 404


def test_image_upload_and_removal(seller, seller_client, media):
    product = ProductFactory(seller=seller)
    images = reverse("api:seller-product-images", kwargs={"product_id": product.pk})

    uploaded = seller_client.post(images, {"image": picture_upload()}, format="multipart")
    fake = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    refused = seller_client.post(images, {"image": fake}, format="multipart")

    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["thumbnail"].startswith("http://testserver/media/products/")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"image": ["Upload a JPEG, PNG or WebP."]}
    assert ProductImage.objects.count() == 1
    image = reverse("api:seller-product-image", kwargs={"product_id": product.pk, "image_id": uploaded.json()["id"]})
    assert seller_client.delete(image).status_code == 204
    assert not ProductImage.objects.exists()


def test_anyone_searches_filters_and_pages(api_client):
    ProductFactory(title="Brass lamp", price_cents=3000)
    ProductFactory(title="Desk", description="lamp included", price_cents=9000)
    ProductFactory(title="Archived lamp", status=ProductStatus.ARCHIVED)

    found = api_client.get(PRODUCTS, {"q": "lamp"})
    cheap = api_client.get(PRODUCTS, {"q": "lamp", "price_max": 5000})
    paged = api_client.get(PRODUCTS, {"sort": "price_desc", "page_size": 1, "page": 2})
    bad = api_client.get(PRODUCTS, {"sort": "cheapest"})

    assert found.status_code == 200
    assert [p["title"] for p in found.json()["results"]] == ["Brass lamp", "Desk"]
    assert "sku" not in found.json()["results"][0]
    assert "status" not in found.json()["results"][0]
    assert [p["title"] for p in cheap.json()["results"]] == ["Brass lamp"]
    assert paged.json()["count"] == 2
    assert [p["title"] for p in paged.json()["results"]] == ["Brass lamp"]
    assert bad.status_code == 400
    assert "sort" in bad.json()["fields"]


def test_anyone_reads_a_product_suggestions_and_categories(api_client):
    product = ProductFactory(title="Polaroid camera")
    CategoryFactory(name="Cameras", slug="cameras")

    detail = api_client.get(reverse("api:product", kwargs={"product_id": product.pk}))
    suggest = api_client.get(reverse("api:product-suggest"), {"q": "polar"})
    categories = api_client.get(reverse("api:categories"))

    assert detail.status_code == 200
    assert detail.json()["title"] == "Polaroid camera"
    assert suggest.status_code == 200
    assert suggest.json() == [{"id": product.pk, "title": "Polaroid camera", "url": product.get_absolute_url()}]
    assert categories.json() == [
        {"id": categories.json()[0]["id"], "name": "Cameras", "slug": "cameras", "parent": None}
    ]
    assert api_client.get(reverse("api:product-suggest")).status_code == 400


def test_the_catalog_is_in_the_openapi_schema(api_client):
    schema = api_client.get(reverse("schema"), {"format": "json"}).json()

    for path in ["/api/v1/seller/products/", "/api/v1/seller/products/{product_id}/", "/api/v1/products/suggest/"]:
        assert path in schema["paths"]
    tags = {tag for ops in schema["paths"].values() for op in ops.values() for tag in op.get("tags", [])}
    assert {"catalog", "seller products"} <= tags


@pytest.mark.parametrize("params", [{"price_min": 10**12}, {"price_max": -1}, {"condition": "broken"}])
def test_search_refuses_filters_it_cannot_use(api_client, params):
    response = api_client.get(PRODUCTS, params)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(params)
