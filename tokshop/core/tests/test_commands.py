from io import StringIO

import pytest
from django.core.management import call_command

from commerce.models import Category, Order, Product, ProductImage
from tokshop.core.management.commands.seed_demo import DEMO_CATEGORIES, DEMO_PASSWORD, DEMO_PRODUCTS, DEMO_USERS
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.users.models import SellerProfile, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_how_to_sign_in(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=first)
        call_command("seed_demo", stdout=StringIO())

    assert User.objects.count() == len(DEMO_USERS)
    assert SellerProfile.objects.count() == 1
    assert Category.objects.count() == len(DEMO_CATEGORIES)
    assert Product.objects.filter(seller__email="seller@tokshop.demo", status="active").count() == len(DEMO_PRODUCTS)
    assert ProductImage.objects.count() == len(DEMO_PRODUCTS)
    assert Notification.objects.filter(kind=NotificationKind.ANNOUNCEMENT).count() == len(DEMO_USERS)
    orders = Order.objects.filter(buyer__email="buyer@tokshop.demo").order_by("pk")
    assert [(o.status, [line.product.sku for line in o.lines.all()]) for o in orders] == [
        ("paid", ["VV-004"]),
        ("shipped", ["VV-005"]),
    ]
    roles = {u.email: u.roles for u in User.objects.all()}
    assert roles["seller@tokshop.demo"] == ["buyer", "seller"]
    assert "moderator" in roles["moderator@tokshop.demo"]
    assert "staff" in roles["admin@tokshop.demo"]
    assert all(u.check_password(DEMO_PASSWORD) and u.is_email_verified for u in User.objects.all())
    output = first.getvalue()
    assert f"{len(DEMO_USERS) + 4}/{len(DEMO_USERS) + 4}" in output
    for demo in DEMO_USERS:
        assert demo.email in output


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_seed_demo_gives_products_and_the_shop_ratings_once(django_capture_on_commit_callbacks, settings, tmp_path):
    from commerce.models import Review, WishlistItem
    from commerce.selectors import product_get_public
    from commerce.selectors_reviews import seller_rating
    from tokshop.core.management.commands.seed_demo import DEMO_REVIEWS, DEMO_SAVED_SKUS

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
