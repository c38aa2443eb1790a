"""P5 of QUALITY.md: the cached product listing API against a bare Django JSON view, same server.

Both are served by the production web server (uvicorn, as `manage.py serve` starts it, one process
per CPU unless `--workers`), in the same processes and behind the same middleware: the bare view is
added to Tokshop's URLs by `bench._listing_settings`. 32 clients (`--clients`), each on its own
keep-alive connection, send GETs back to back for `--seconds`; the targets take turns, in an
order that rotates, `--repeat` times each, and the figures are the medians of the runs.

* **bare** (the baseline): `GET /bench/bare/`, a `JsonResponse` of a constant empty page;
* **cached**: `GET /api/v1/products/`, the first page (20 products of `--products`) of the public
  listing as an anonymous client without cookies gets it: Django's answer from the catalog cache,
  replayed in front of Django (`tokshop.core.shared_responses`), with its ETag;
* **revalidated**: the same GET with `If-None-Match`, answered 304 (reported, not compared).

Usage::

    .venv/bin/python -m bench.listing [--clients 32] [--seconds 3] [--repeat 5]

Prints `listing_req_per_s`, `listing_p50`, `listing_p99` (baseline: bare) and
`listing_304_req_per_s`; writes `bench/results/listing.json` with every run, the load average
before and after and the P5 verdicts. Its database is `tokshop_bench_listing`, its Redis db 5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.fanout import RESULTS, cleanup, figure, free_port, percentile, prepare, raise_fd_limit, start_server
from tokshop.core.management.commands.serve import web_workers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tokshop_bench_listing"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
SETTINGS = "bench._listing_settings"
BARE = "/bench/bare/"
LISTING = "/api/v1/products/"
SELLER_EMAIL = "bench-listing@example.com"
# P5: at least 0.4 of the bare view's requests per second, p99 under 50 ms at 32 clients.
BAR_RATIO, GOAL_RATIO, BAR_P99_MS = 0.4, 0.5, 50.0


def log(message: str) -> None:
    print(f"[listing] {message}", file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def seed(products: int) -> None:
    """One shop with `products` products, made once; later runs reuse them."""
    from django.contrib.auth import get_user_model

    from commerce.models import Product
    from commerce.services.catalog import product_create
    from tokshop.users.services import seller_profile_save

    seller, _ = get_user_model().objects.get_or_create(email=SELLER_EMAIL, defaults={"display_name": "Bench shop"})
    if not seller.is_seller:
        seller_profile_save(user=seller, shop_name="Bench listing shop", slug="bench-listing")
    for n in range(Product.objects.filter(seller=seller).count(), products):
        product_create(
            seller=seller,
            title=f"Bench listing lamp {n}",
            price_cents=1000 + n,
            description="A lamp of the listing benchmark. " * 4,
            tags=["lamp", "bench", "light"],
            quantity_on_hand=5,
        )


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes, dict[bytes, bytes]]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return status, body, headers


def request_bytes(port: int, path: str, etag: bytes | None = None) -> bytes:
    extra = b"If-None-Match: " + etag + b"\r\n" if etag else b""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n".encode() + extra + b"\r\n"


async def _client(port: int, request: bytes, expect: int, until: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors = 0
    try:
        while time.monotonic() < until:
            sent = time.perf_counter()
            status, _, _ = await _request(reader, writer, request)
            latencies.append((time.perf_counter() - sent) * 1000)
            errors += status != expect
    finally:
        writer.close()
    return errors


async def measure(port: int, request: bytes, expect: int, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    began = time.monotonic()
    errors = await asyncio.gather(*(_client(port, request, expect, began + seconds, latencies) for _ in range(clients)))
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "req_per_s": len(ordered) / elapsed,
        "p50_ms": percentile(ordered, 50),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1] if ordered else None,
        "unexpected_status": sum(errors),
    }


async def bench(port: int, args: argparse.Namespace) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    status, body, headers = await _request(reader, writer, request_bytes(port, LISTING))
    writer.close()
    if status != 200:
        raise RuntimeError(f"GET {LISTING} answered {status}: {body[:200]!r}")
    page = {"bytes": len(body), "products": len(json.loads(body)["results"]), "etag": headers[b"etag"].decode()}
    targets = {
        "bare": (request_bytes(port, BARE), 200),
        "cached": (request_bytes(port, LISTING), 200),
        "revalidated": (request_bytes(port, LISTING, headers[b"etag"]), 304),
    }
    # Every server process imports, resolves and connects before anything is timed.
    for request, expect in targets.values():
        await measure(port, request, expect, args.clients, 1.0)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    names = list(targets)
    for turn in range(args.repeat):
        # The order turns each round, so a load that rises or falls during the run weighs on every
        # target alike.
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            request, expect = targets[name]
            result = await measure(port, request, expect, args.clients, args.seconds)
            result["load_average"] = load_average()
            runs[name].append(result)
            log(
                f"run {turn + 1}/{args.repeat} {name}: {result['req_per_s']:.0f} req/s, "
                f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, load {result['load_average']}"
            )
    return runs, page


def median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per target; figures are medians")
    parser.add_argument("--products", type=int, default=40, help="products in the catalog")
    parser.add_argument("--workers", type=int, default=web_workers(), help="server processes (as `manage.py serve`)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--settings", default=SETTINGS)
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--asgi", default="tokshop.asgi:application")
    parser.add_argument("--output", type=Path, default=RESULTS / "listing.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raise_fd_limit()
    load_before = load_average()
    try:
        with cleanup():
            setup = prepare(args.database_url, args.redis_url, args.settings)
            log(f"seeding {args.products} products …")
            seed(args.products)
            port = free_port()
            start_server("tokshop", port, setup, "listing", args)
            log(f"{args.clients} clients, {args.repeat} runs of {args.seconds:.0f} s per target, load {load_before} …")
            runs, page = asyncio.run(bench(port, args))
    except KeyboardInterrupt:
        log("interrupted; every process started was stopped")
        return 130

    bare_rps, cached_rps = median(runs["bare"], "req_per_s"), median(runs["cached"], "req_per_s")
    cached_p99 = median(runs["cached"], "p99_ms")
    figures = [
        figure("listing_req_per_s", cached_rps, "req/s", bare_rps, 0),
        figure("listing_p50", median(runs["cached"], "p50_ms"), "ms", median(runs["bare"], "p50_ms"), 1),
        figure("listing_p99", cached_p99, "ms", median(runs["bare"], "p99_ms"), 1),
        figure("listing_304_req_per_s", median(runs["revalidated"], "req_per_s"), "req/s", bare_rps, 0),
    ]
    unexpected = sum(r["unexpected_status"] for group in runs.values() for r in group)
    ratio = cached_rps / bare_rps
    verdicts = {
        "P5_bar": ratio >= BAR_RATIO and cached_p99 < BAR_P99_MS,
        "P5_goal": ratio >= GOAL_RATIO and cached_p99 < BAR_P99_MS,
    }
    document = {
        "benchmark": "listing",
        "quality_lines": ["P5"],
        "parameters": {
            "clients": args.clients,
            "seconds": args.seconds,
            "repeat": args.repeat,
            "products": args.products,
            "workers": args.workers,
            "server": args.server,
            "cpus": os.cpu_count(),
        },
        "page": page,
        "load_average": {"before": load_before, "after": load_average()},
        "runs": runs,
        "unexpected_status": unexpected,
        "verdicts": verdicts,
        "figures": figures,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    log(f"P5 bar {'met' if verdicts['P5_bar'] else 'NOT met'}; {unexpected} unexpected answers; wrote {args.output}")
    return 0 if unexpected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
