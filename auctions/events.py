"""The payloads the auctions app puts on the live room's stream (`show.<id>`) and on a bidder's own
sockets; docs/protocol.md lists each with its fields. Times are milliseconds by the server's clock."""

from __future__ import annotations

import time
from typing import Any

from django.db.models import Prefetch

from commerce.models import ProductImage
from tokshop.users.models import User

from .increments import increment_at
from .meta import AuctionMeta
from .models import Auction, AuctionStatus

# Display names of bidders, kept a minute per process: the hot path names the leader on every bid.
NAME_TTL_SECONDS = 60
_names: dict[int, tuple[float, str]] = {}


def display_name_cached(user_id: int) -> str | None:
    if not user_id:
        return ""
    cached = _names.get(user_id)
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def display_name(user_id: int) -> str:
    cached = display_name_cached(user_id)
    if cached is not None:
        return cached
    name = User.objects.filter(pk=user_id).values_list("display_name", flat=True).first() or ""
    if len(_names) > 10_000:
        _names.clear()
    _names[user_id] = (time.monotonic() + NAME_TTL_SECONDS, name)
    return name


def ms(value: Any) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


def next_minimum(*, starting: int, increments: list[list[int]], price: int, has_leader: bool) -> int:
    """The least a bidder other than the leader may bid (rules.next_minimum, from the figures alone)."""
    if not has_leader:
        return starting
    return price + increment_at(increments, price)


def auction_payload(
    auction: Auction, *, price: int, leader: int, count: int, ends_at: int, status: str
) -> dict[str, Any]:
    """An auction as the room shows it; `price`…`status` are the engine's, fresher than the row's."""
    product = auction.product
    picture = next(iter(product.images.all()), None)
    reserve_met = None if auction.reserve_cents is None else bool(leader) and price >= auction.reserve_cents
    return {
        "id": auction.pk,
        "status": status,
        "mode": auction.mode,
        "eligibility": auction.eligibility,
        "currency": auction.currency,
        "product": {
            "id": product.pk,
            "title": product.title,
            "url": product.get_absolute_url(),
            "image": picture.image.url if picture else None,
        },
        "starting_cents": auction.starting_cents,
        "price_cents": price,
        "next_minimum_cents": next_minimum(
            starting=auction.starting_cents, increments=auction.increments, price=price, has_leader=bool(leader)
        ),
        "increments": auction.increments,
        "leader_name": display_name(leader),
        "bid_count": count,
        "ends_at": ends_at or None,
        "duration_seconds": auction.duration_seconds,
        "window_seconds": auction.window_seconds,
        "extensions": auction.extensions,
        "max_extensions": auction.max_extensions,
        "buy_now_cents": auction.buy_now_cents,
        "has_reserve": auction.reserve_cents is not None,
        "reserve_met": reserve_met,
        "allow_prebids": auction.allow_prebids,
        "outcome": auction.outcome,
        "winner_name": display_name(auction.winner_id or 0) if status == AuctionStatus.CLOSED else "",
    }


def auction_with_product(auction_id: int) -> Auction:
    images = Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
    return Auction.objects.select_related("product").prefetch_related(images).get(pk=auction_id)


def bid_placed_payload(meta: AuctionMeta, *, price: int, leader: int, count: int, ends_at: int) -> dict[str, Any]:
    reserve_met = None if meta.reserve_cents is None else price >= meta.reserve_cents
    return {
        "auction_id": meta.id,
        "price_cents": price,
        "leader_name": display_name(leader),
        "bid_count": count,
        "ends_at": ends_at,
        "next_minimum_cents": next_minimum(
            starting=meta.starting_cents, increments=meta.increment_table, price=price, has_leader=True
        ),
        "reserve_met": reserve_met,
    }
