"""What aggregating ratings on read costs a product listing (docs/decisions/0010-wishlists-and-reviews.md).

A search page of 24 products annotated with each product's average rating and review count (two
correlated subqueries over its visible reviews), against the same page without them (the
baseline), over a catalog of 2,000 products and 40,000 reviews (one in fifty hidden); and a
shop's seller rating (one AVG and COUNT over the seller's visible reviews).

Usage::

    .venv/bin/python -m bench.ratings [--products 2000] [--reviews 40000] [--runs 200]

Prints ``ratings_page_sql`` (PostgreSQL execution time of the page's query, EXPLAIN ANALYZE),
``ratings_page`` (the page's queries through the ORM, products and pictures, as the pages run
them) and ``ratings_shop_sql``, medians of ``--runs``, and writes ``bench/results/ratings.json``.
The database (``tokshop_bench_ratings``) is the benchmark's own; it creates, migrates and fills it
once (bulk inserts, not the services: this measures reads).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.fanout import RESULTS, SETTINGS, figure, log, prepare

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tokshop_bench_ratings"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
PAGE = 24
SELLERS = 20
BUYERS = 200


def seed(products: int, reviews: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from commerce.models import Order, OrderLine, OrderStatus, Product, Review
    from tokshop.users.models import SellerProfile, User

    if Review.objects.count() >= reviews:
        return
    log(f"seeding {products} products and {reviews} reviews …")
    rng = random.Random(10)
    sellers = User.objects.bulk_create(
        User(email=f"bench-seller-{n}@example.com", display_name=f"Seller {n}", is_seller=True) for n in range(SELLERS)
    )
    SellerProfile.objects.bulk_create(
        SellerProfile(user=seller, shop_name=f"Bench shop {n}", slug=f"bench-shop-{n}")
        for n, seller in enumerate(sellers)
    )
    buyers = User.objects.bulk_create(
        User(email=f"bench-buyer-{n}@example.com", display_name=f"Buyer {n}") for n in range(BUYERS)
    )
    catalog = Product.objects.bulk_create(
        Product(
            seller=sellers[n % SELLERS],
            title=f"Bench thing {n}",
            slug=f"bench-thing-{n}",
            price_cents=1000 + n,
            quantity_on_hand=5,
        )
        for n in range(products)
    )
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            buyer=buyers[n % BUYERS],
            seller_id=catalog[n % products].seller_id,
            status=OrderStatus.DELIVERED,
            currency="USD",
            subtotal_cents=1000,
            shipping_cents=500,
            total_cents=1500,
            shipping_name="Bench",
            shipping_line1="1 Load Street",
            shipping_city="Springfield",
            shipping_postal_code="12345",
            shipping_country="US",
            delivered_at=now,
        )
        for n in range(reviews)
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(order=order, product=catalog[n % products], title="Bench", unit_price_cents=1000, quantity=1)
        for n, order in enumerate(orders)
    )
    Review.objects.bulk_create(
        Review(
            order_line=line,
            author_id=orders[n].buyer_id,
            product_id=line.product_id,
            seller_id=orders[n].seller_id,
            rating=rng.randint(1, 5),
            seller_rating=rng.randint(1, 5),
            is_hidden=n % 50 == 0,
        )
        for n, line in enumerate(lines)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def median_ms(measure: Callable[[], float], runs: int) -> float:
    for _ in range(min(20, runs)):
        measure()
    return statistics.median(measure() for _ in range(runs))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=40000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--output", type=Path, default=RESULTS / "ratings.json")
    args = parser.parse_args(argv)
    prepare(args.database_url, args.redis_url, SETTINGS)
    seed(args.products, args.reviews)

    from unittest import mock

    from commerce import selectors
    from commerce.models import Product
    from commerce.selectors_reviews import seller_rating

    def page_sql() -> float:
        plan = selectors.product_search(sort="newest")[:PAGE].explain(analyze=True)
        match = re.search(r"Execution Time: ([\d.]+)", plan)
        assert match, plan
        return float(match.group(1))

    def page() -> float:
        began = time.perf_counter()
        products = list(selectors.product_search(sort="newest")[:PAGE])
        assert len(products) == PAGE
        return (time.perf_counter() - began) * 1000

    seller_id = Product.objects.values_list("seller_id", flat=True).first()
    assert seller_id is not None

    def shop_sql() -> float:
        began = time.perf_counter()
        assert seller_rating(seller_id=seller_id).count > 0
        return (time.perf_counter() - began) * 1000

    rated_sql, rated = median_ms(page_sql, args.runs), median_ms(page, args.runs)
    with mock.patch.object(selectors, "products_with_rating", lambda queryset: queryset):
        plain_sql, plain = median_ms(page_sql, args.runs), median_ms(page, args.runs)
    figures = [
        figure("ratings_page_sql", rated_sql, "ms", plain_sql, 3),
        figure("ratings_page", rated, "ms", plain, 2),
        figure("ratings_shop_sql", median_ms(shop_sql, args.runs), "ms", None, 2),
    ]
    document: dict[str, Any] = {
        "benchmark": "ratings",
        "parameters": {"products": args.products, "reviews": args.reviews, "runs": args.runs, "cpus": os.cpu_count()},
        "figures": figures,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
