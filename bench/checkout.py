"""P6 (and R1 over HTTP) of QUALITY.md: 1,000 concurrent checkouts for 10 units of one product.

Every buyer has the product in their cart; all of them POST ``/api/v1/checkout/`` at once, each
on its own connection with its own API token, to the production web server (uvicorn serving
``tokshop.asgi:application``, started as ``manage.py serve`` starts it). The run passes when
exactly 10 orders exist, every other answer is a 409, no answer is a 5xx, and the product holds
10 units reserved of 10 on hand.

Usage::

    .venv/bin/python -m bench.checkout --attempts 1000 --units 10

Prints ``checkout_duration``, ``checkout_orders``, ``checkout_409`` and ``checkout_5xx`` as
``name: value unit (baseline: …)`` (there is no baseline server here: n/a), progress on stderr,
and writes ``bench/results/checkout.json``. The database (``tokshop_bench_checkout``) and Redis db
6 are the benchmark's own; it creates and migrates the database itself. Each run adds its own
seller, product and buyers, so runs do not disturb each other's counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.fanout import RESULTS, SETTINGS, cleanup, figure, free_port, prepare, raise_fd_limit, start_server
from tokshop.core.management.commands.serve import web_workers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tokshop_bench_checkout"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
ADDRESS = {
    "shipping_name": "Bench Buyer",
    "shipping_line1": "1 Load Street",
    "shipping_city": "Springfield",
    "shipping_postal_code": "12345",
    "shipping_country": "US",
}
REQUEST_TIMEOUT = 120.0
WARMUP_REQUESTS = 5


def log(message: str) -> None:
    print(f"[checkout] {message}", file=sys.stderr, flush=True)


def seed(attempts: int, units: int) -> tuple[int, list[str]]:
    """A seller's product with `units` on hand, and `attempts` buyers with it in their carts."""
    from django.contrib.auth import get_user_model

    from commerce.services.cart import cart_add
    from commerce.services.catalog import product_create
    from tokshop.users.services import api_token_create, seller_profile_save

    users = get_user_model()
    run = uuid.uuid4().hex[:8]
    seller = users.objects.create_user(email=f"bench-seller-{run}@example.com", display_name="Bench seller")
    seller_profile_save(user=seller, shop_name=f"Bench {run}", slug=f"bench-{run}")
    product = product_create(seller=seller, title=f"Bench lamp {run}", price_cents=2500, quantity_on_hand=units)
    buyers = users.objects.bulk_create(
        users(email=f"bench-buyer-{run}-{n}@example.com", display_name=f"Buyer {n}") for n in range(attempts)
    )
    tokens = []
    for buyer in buyers:
        cart_add(buyer=buyer, product_id=product.pk)
        tokens.append(api_token_create(user=buyer, name="bench")[1])
    return product.pk, tokens


async def post_checkout(port: int, token: str, start: asyncio.Event) -> tuple[int, str]:
    body = json.dumps(ADDRESS).encode()
    request = (
        f"POST /api/v1/checkout/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await start.wait()
        writer.write(request)
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
    head, _, payload = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    code = ""
    if status >= 400:
        try:
            code = str(json.loads(payload).get("code", ""))
        except ValueError:
            code = "unreadable"
    return status, code


async def _warm_read(port: int, token: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/v1/cart/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.read()
    writer.close()


async def warm_up(port: int, token: str, workers: int) -> None:
    """A few reads first, so imports, URL resolving and the database pool are not timed.

    Several at once, in a few rounds: the server processes share one socket, and each must have
    answered some before the timing starts."""
    for _ in range(WARMUP_REQUESTS):
        await asyncio.gather(*(_warm_read(port, token) for _ in range(2 * workers)))


async def fire(port: int, tokens: list[str], workers: int) -> tuple[list[tuple[int, str]], float]:
    await warm_up(port, tokens[0], workers)
    start = asyncio.Event()
    tasks = [asyncio.create_task(post_checkout(port, token, start)) for token in tokens]
    # Every connection is open before the first request is sent.
    await asyncio.sleep(1.0)
    began = time.monotonic()
    start.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), REQUEST_TIMEOUT)
    elapsed = time.monotonic() - began
    answers = [(0, type(r).__name__) if isinstance(r, BaseException) else r for r in results]
    return answers, elapsed


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=1000, help="concurrent checkouts")
    parser.add_argument("--units", type=int, default=10, help="units on hand")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--settings", default=SETTINGS)
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--asgi", default="tokshop.asgi:application")
    parser.add_argument(
        "--workers", type=int, default=web_workers(), help="server processes (default: as `manage.py serve`)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "checkout.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raise_fd_limit()
    try:
        with cleanup():
            setup = prepare(args.database_url, args.redis_url, args.settings)
            log(f"seeding {args.attempts} buyers and {args.units} units …")
            product_id, tokens = seed(args.attempts, args.units)
            port = free_port()
            start_server("tokshop", port, setup, "checkout", args)
            log(f"{args.attempts} checkouts at once …")
            answers, elapsed = asyncio.run(fire(port, tokens, args.workers))
    except KeyboardInterrupt:
        log("interrupted; every process started was stopped")
        return 130

    from commerce.models import Order, Product

    product = Product.objects.get(pk=product_id)
    orders = Order.objects.filter(lines__product_id=product_id).count()
    statuses = Counter(status for status, _ in answers)
    codes = Counter(code for status, code in answers if status == 409)
    server_errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    figures = [
        figure("checkout_duration", elapsed, "s", None, 2),
        figure("checkout_orders", orders, "orders", None, 0),
        figure("checkout_409", statuses[409], "responses", None, 0),
        figure("checkout_5xx", server_errors, "responses", None, 0),
    ]
    passed = (
        orders == args.units == statuses[201]
        and statuses[409] == codes["sold_out"] == args.attempts - args.units
        and server_errors == 0
        and (product.quantity_on_hand, product.quantity_reserved) == (args.units, args.units)
    )
    log(f"answers {dict(statuses)}; stock on hand {product.quantity_on_hand}, reserved {product.quantity_reserved}")
    document: dict[str, Any] = {
        "benchmark": "checkout",
        "quality_lines": ["P6", "R1"],
        "parameters": {
            "attempts": args.attempts,
            "units": args.units,
            "server": args.server,
            "workers": args.workers,
            "cpus": os.cpu_count(),
        },
        "statuses": {str(k): v for k, v in statuses.items()},
        "stock": {"on_hand": product.quantity_on_hand, "reserved": product.quantity_reserved},
        "passed": passed,
        "figures": figures,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    log(f"{'passed' if passed else 'FAILED'}; wrote {args.output}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
