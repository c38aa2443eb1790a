"""seed_demo's commerce part: a shop that looks in use, made through the real services."""

from io import StringIO

import pytest
from django.core.management import call_command

from commerce.demo_data import DEMO_CATEGORIES, DEMO_PRODUCTS, DEMO_REVIEWS, DEMO_SAVED_SKUS
from commerce.models import Category, Order, Product, ProductImage, Review, WishlistItem
from commerce.selectors import product_get_public
from commerce.selectors_reviews import seller_rating
from tokshop.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_lists_pictured_products_and_gives_the_buyer_orders(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())

    assert Category.objects.count() == len(DEMO_CATEGORIES)
    assert Product.objects.filter(seller__email="seller@tokshop.demo", status="active").count() == len(DEMO_PRODUCTS)
    assert ProductImage.objects.count() == len(DEMO_PRODUCTS)
    orders = Order.objects.filter(buyer__email="buyer@tokshop.demo").order_by("pk")
    assert [(o.status, [line.product.sku for line in o.lines.all()]) for o in orders] == [
        ("paid", ["VV-004"]),
        ("shipped", ["VV-005"]),
    ]


def test_seed_demo_gives_products_and_the_shop_ratings_once(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())

    assert Review.objects.count() == len(DEMO_REVIEWS)
    assert Order.objects.filter(status="delivered").count() == len(DEMO_REVIEWS)
    seller = User.objects.get(email="seller@tokshop.demo")
    trip = product_get_public(product_id=Product.objects.get(sku="VV-008").pk)
    assert trip is not None
    assert (trip.rating_average, trip.rating_count) == (4.5, 2)
    assert seller_rating(seller_id=seller.pk).count == len(DEMO_REVIEWS)
    assert Review.objects.exclude(answer="").count() == 1
    saved = WishlistItem.objects.filter(buyer__email="buyer@tokshop.demo").values_list("product__sku", flat=True)
    assert sorted(saved) == DEMO_SAVED_SKUS
