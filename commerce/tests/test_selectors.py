import pytest
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import F

from commerce.models import Product, ProductStatus
from commerce.selectors import (
    SEARCH_CONFIG,
    SEARCH_VECTOR,
    product_get_public,
    product_list_for_seller,
    product_search,
    product_suggest,
)
from tokshop.users.tests.factories import SellerProfileFactory

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def titles(queryset):
    return [product.title for product in queryset]


def test_search_matches_title_tags_and_description_and_ranks_a_title_match_first():
    ProductFactory(title="Brass lamp", description="Warm light for a desk.")
    ProductFactory(title="Oak desk", description="Fits a camera and a lamp.")
    ProductFactory(title="Walnut stool", tags="lamp stand")
    ProductFactory(title="Ceramic vase", description="Nothing to do with it.")

    found = titles(product_search(query="lamp"))

    assert found[0] == "Brass lamp"
    assert set(found) == {"Brass lamp", "Oak desk", "Walnut stool"}
    # Tags weigh more than the description.
    assert found.index("Walnut stool") < found.index("Oak desk")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="web-search syntax and stemming are PostgreSQL's")
def test_search_on_postgresql_stems_words_and_reads_web_search_syntax():
    ProductFactory(title="Vintage cameras lot")
    ProductFactory(title="Camera strap", description="Leather")
    ProductFactory(title="Camera bag", description="Canvas")

    assert set(titles(product_search(query="camera"))) == {"Vintage cameras lot", "Camera strap", "Camera bag"}
    assert set(titles(product_search(query="camera -leather"))) == {"Vintage cameras lot", "Camera bag"}
    assert titles(product_search(query='"camera bag"')) == ["Camera bag"]


def test_search_leaves_out_archived_products_and_inactive_sellers():
    ProductFactory(title="Lamp one")
    ProductFactory(title="Lamp two", status=ProductStatus.ARCHIVED)
    gone = SellerProfileFactory(user__is_active=False).user
    ProductFactory(title="Lamp three", seller=gone)

    assert titles(product_search(query="lamp")) == ["Lamp one"]
    assert titles(product_search()) == ["Lamp one"]


def test_search_filters():
    parent = CategoryFactory(slug="home")
    lighting = CategoryFactory(slug="lighting", parent=parent)
    shop = SellerProfileFactory(slug="vault")
    ProductFactory(title="A", category=lighting, price_cents=500, condition="good", seller=shop.user)
    ProductFactory(title="B", category=parent, price_cents=1500, quantity_on_hand=0)
    ProductFactory(title="C", price_cents=2500)

    assert set(titles(product_search(category="home"))) == {"A", "B"}
    assert titles(product_search(category="lighting")) == ["A"]
    assert set(titles(product_search(price_min=1000))) == {"B", "C"}
    assert set(titles(product_search(price_max=1500))) == {"A", "B"}
    assert titles(product_search(seller="vault")) == ["A"]
    assert titles(product_search(condition="good")) == ["A"]
    assert set(titles(product_search(in_stock=True))) == {"A", "C"}


def test_search_sorts():
    ProductFactory(title="Middle", price_cents=2000)
    ProductFactory(title="Cheap", price_cents=100)
    ProductFactory(title="Dear", price_cents=9000)

    assert titles(product_search(sort="price_asc")) == ["Cheap", "Middle", "Dear"]
    assert titles(product_search(sort="price_desc")) == ["Dear", "Middle", "Cheap"]
    assert titles(product_search(sort="newest")) == ["Dear", "Cheap", "Middle"]
    # Relevance without words means newest first.
    assert titles(product_search(sort="relevance")) == ["Dear", "Cheap", "Middle"]


def test_suggest_offers_close_titles_best_first_and_at_most_eight():
    ProductFactory(title="Polaroid camera")
    ProductFactory(title="Camera strap")
    ProductFactory(title="Record player")
    ProductFactory(title="Camera archived", status=ProductStatus.ARCHIVED)
    for n in range(10):
        ProductFactory(title=f"Camera lens {n}")

    suggestions = titles(product_suggest(prefix="camera"))

    assert len(suggestions) == 8
    assert "Record player" not in suggestions
    assert "Camera archived" not in suggestions
    # Equally close titles come in alphabetical order.
    assert suggestions[0] == "Camera lens 0"
    assert product_suggest(prefix="c") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL's")
def test_suggest_on_postgresql_forgives_a_typo():
    ProductFactory(title="Polaroid camera")

    assert titles(product_suggest(prefix="polarod")) == ["Polaroid camera"]


def test_seller_list_is_own_products_with_filters():
    shop = SellerProfileFactory()
    category = CategoryFactory()
    ProductFactory(seller=shop.user, title="Lamp", category=category, sku="L-1")
    ProductFactory(seller=shop.user, title="Chair", status=ProductStatus.ARCHIVED)
    ProductFactory(title="Someone else's lamp")

    assert set(titles(product_list_for_seller(seller=shop.user))) == {"Lamp", "Chair"}
    assert titles(product_list_for_seller(seller=shop.user, status="archived")) == ["Chair"]
    assert titles(product_list_for_seller(seller=shop.user, category_id=category.pk)) == ["Lamp"]
    assert titles(product_list_for_seller(seller=shop.user, search="lamp")) == ["Lamp"]
    assert titles(product_list_for_seller(seller=shop.user, search="l-1")) == ["Lamp"]


def test_product_get_public_is_active_products_only():
    active = ProductFactory()
    archived = ProductFactory(status=ProductStatus.ARCHIVED)

    assert product_get_public(product_id=active.pk) == active
    assert product_get_public(product_id=archived.pk) is None


def test_the_embedded_fallback_matches_plainly_and_ranks_a_title_match_first(monkeypatch):
    # The SQLite branch is plain ORM lookups, so it can be exercised here on PostgreSQL too.
    monkeypatch.setattr("commerce.selectors._is_postgresql", lambda: False)
    ProductFactory(title="Oak desk", description="Holds a lamp.")
    ProductFactory(title="Brass lamp")
    ProductFactory(title="Stool", tags="lamp stand")

    assert titles(product_search(query="lamp")) == ["Brass lamp", "Stool", "Oak desk"]
    assert titles(product_suggest(prefix="la")) == ["Brass lamp"]
    assert titles(product_suggest(prefix="BRA")) == ["Brass lamp"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes exist on PostgreSQL only")
def test_search_and_suggestions_can_use_their_indexes():
    # The full-text index only serves a query whose vector expression is exactly the indexed one.
    ProductFactory(title="Polaroid camera")
    plans = []
    words = SearchQuery("camera", search_type="websearch", config=SEARCH_CONFIG)
    matches = [
        Product.objects.annotate(search=SEARCH_VECTOR).filter(search=words),
        Product.objects.filter(TrigramWordSimilar(F("title"), "polarod")),
    ]
    for queryset in matches:
        sql, params = queryset.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    assert "product_search_vector_idx" in plans[0]
    assert "product_title_trgm_idx" in plans[1]
