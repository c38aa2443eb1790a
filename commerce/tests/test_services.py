import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.models import Product, ProductImage, ProductStatus
from commerce.services.catalog import (
    PRODUCT_IMAGES_MAX,
    product_archive,
    product_create,
    product_image_add,
    product_image_remove,
    product_update,
    tags_normalize,
)
from tokshop.core.errors import ApplicationError, NotFound, PermissionDenied
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import CategoryFactory, ProductFactory, picture_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return SellerProfileFactory().user


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_product_create_normalises_and_stores_every_field(seller):
    category = CategoryFactory()

    product = product_create(
        seller=seller,
        title="  Leica M3 camera ",
        price_cents=125000,
        description="Serviced in 2024.",
        currency="eur",
        category_id=category.pk,
        condition="like_new",
        tags=" Film, CAMERA,film ,  ",
        sku="LM3-01",
        shipping_weight_grams=900,
        quantity_on_hand=1,
    )

    product.refresh_from_db()
    assert product.title == "Leica M3 camera"
    assert product.slug == "leica-m3-camera"
    assert product.currency == "EUR"
    assert product.category == category
    assert product.tags == "film,camera"
    assert product.status == ProductStatus.ACTIVE
    assert product.seller == seller


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"price_cents": 0}, "price_cents"),
        ({"currency": "dollars"}, "currency"),
        ({"condition": "broken"}, "condition"),
        ({"category_id": 999999}, "category_id"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
    ],
)
def test_product_create_refuses_bad_fields_and_creates_nothing(seller, changes, field):
    with pytest.raises(ApplicationError) as caught:
        product_create(seller=seller, **{"title": "Lamp", "price_cents": 1000, **changes})

    assert field in caught.value.fields
    assert not Product.objects.exists()


def test_only_sellers_create_products():
    with pytest.raises(PermissionDenied):
        product_create(seller=UserFactory(), title="Lamp", price_cents=1000)
    assert not Product.objects.exists()


def test_a_sku_names_one_product_per_seller(seller):
    product_create(seller=seller, title="Lamp", price_cents=1000, sku="A1")
    product_create(seller=SellerProfileFactory().user, title="Lamp", price_cents=1000, sku="A1")
    product_create(seller=seller, title="Chair", price_cents=1000)
    product_create(seller=seller, title="Table", price_cents=1000)

    with pytest.raises(ApplicationError) as caught:
        product_create(seller=seller, title="Other lamp", price_cents=1000, sku="A1")

    assert caught.value.fields == {"sku": ["You already have a product with this SKU."]}
    assert Product.objects.count() == 4


def test_product_update_changes_the_given_fields(seller):
    product = ProductFactory(seller=seller, title="Lamp", price_cents=1000)

    product_update(seller=seller, product_id=product.pk, title="Brass lamp", price_cents=1200, tags=["Brass"])

    product.refresh_from_db()
    assert (product.title, product.slug, product.price_cents, product.tags) == (
        "Brass lamp",
        "brass-lamp",
        1200,
        "brass",
    )


@pytest.mark.parametrize("field", ["seller_id", "status", "id", "slug"])
def test_product_update_refuses_owner_status_and_id(seller, field):
    product = ProductFactory(seller=seller)
    other = SellerProfileFactory().user

    with pytest.raises(ApplicationError) as caught:
        product_update(seller=seller, product_id=product.pk, **{field: other.pk})

    assert field in caught.value.fields
    product.refresh_from_db()
    assert product.seller == seller
    assert product.status == ProductStatus.ACTIVE


def test_another_sellers_product_is_not_found(seller):
    product = ProductFactory(price_cents=1000)

    with pytest.raises(NotFound):
        product_update(seller=seller, product_id=product.pk, price_cents=1)
    with pytest.raises(NotFound):
        product_archive(seller=seller, product_id=product.pk)

    product.refresh_from_db()
    assert product.price_cents == 1000
    assert product.status == ProductStatus.ACTIVE


def test_product_archive_is_idempotent(seller):
    product = ProductFactory(seller=seller)

    product_archive(seller=seller, product_id=product.pk)
    product_archive(seller=seller, product_id=product.pk)

    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED


def test_product_image_add_stores_the_picture_and_a_480px_thumbnail(seller, media):
    from PIL import Image

    product = ProductFactory(seller=seller)

    first = product_image_add(seller=seller, product_id=product.pk, image=picture_upload(size=(1200, 800)))
    second = product_image_add(seller=seller, product_id=product.pk, image=picture_upload("b.webp", fmt="WEBP"))

    assert (first.position, second.position) == (0, 1)
    assert first.image.name.startswith(f"products/{product.pk}/")
    with Image.open(first.thumbnail.path) as thumb:
        assert thumb.size == (480, 320)
        assert thumb.format == "JPEG"


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.png", b"<?php echo 'not a picture'; ?>", content_type="image/png"),
        picture_upload("x.gif", fmt="GIF"),
    ],
)
def test_product_image_add_refuses_what_is_not_a_jpeg_png_or_webp(seller, media, upload):
    product = ProductFactory(seller=seller)

    with pytest.raises(ApplicationError) as caught:
        product_image_add(seller=seller, product_id=product.pk, image=upload)

    assert caught.value.fields == {"image": ["Upload a JPEG, PNG or WebP."]}
    assert not ProductImage.objects.exists()


def test_product_image_add_refuses_a_decompression_bomb(seller, media):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    product = ProductFactory(seller=seller)

    with pytest.raises(ApplicationError) as caught:
        product_image_add(seller=seller, product_id=product.pk, image=SimpleUploadedFile("bomb.png", bomb))

    assert "image" in caught.value.fields
    assert not ProductImage.objects.exists()


def test_product_image_add_refuses_a_large_file_and_a_full_gallery(seller, media, settings):
    product = ProductFactory(seller=seller)
    big = SimpleUploadedFile("big.png", b"0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ApplicationError) as too_big:
        product_image_add(seller=seller, product_id=product.pk, image=big)
    assert too_big.value.fields == {"image": ["Use a picture under 5 MB."]}

    for _ in range(PRODUCT_IMAGES_MAX):
        product_image_add(seller=seller, product_id=product.pk, image=picture_upload(size=(10, 10)))
    with pytest.raises(ApplicationError):
        product_image_add(seller=seller, product_id=product.pk, image=picture_upload(size=(10, 10)))
    assert ProductImage.objects.count() == PRODUCT_IMAGES_MAX


def test_product_image_add_to_another_sellers_product_is_not_found(seller, media):
    product = ProductFactory()

    with pytest.raises(NotFound):
        product_image_add(seller=seller, product_id=product.pk, image=picture_upload())
    assert not ProductImage.objects.exists()


def test_product_image_remove_deletes_the_row_and_its_files(seller, media, django_capture_on_commit_callbacks):
    product = ProductFactory(seller=seller)
    picture = product_image_add(seller=seller, product_id=product.pk, image=picture_upload())
    paths = [picture.image.path, picture.thumbnail.path]

    with pytest.raises(NotFound):
        product_image_remove(seller=SellerProfileFactory().user, product_id=product.pk, image_id=picture.pk)
    with django_capture_on_commit_callbacks(execute=True):
        product_image_remove(seller=seller, product_id=product.pk, image_id=picture.pk)

    assert not ProductImage.objects.exists()
    assert not any(__import__("os").path.exists(path) for path in paths)


def test_tags_normalize():
    assert tags_normalize("Vinyl,  Jazz  Records ,vinyl,,") == "vinyl,jazz records"
    assert tags_normalize(["A", "b", "a"]) == "a,b"
