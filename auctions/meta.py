"""What never changes about an auction once it is made, kept per process for the bid path."""

from __future__ import annotations

from dataclasses import dataclass

from tokshop.core.errors import NotFound

from .models import Auction


@dataclass(frozen=True)
class AuctionMeta:
    """What never changes about an auction once made: the bid path reads it on every bid."""

    id: int
    show_id: int
    seller_id: int
    product_id: int
    eligibility: str
    starting_cents: int
    reserve_cents: int | None
    increments: tuple[tuple[int, int], ...]
    currency: str

    @property
    def increment_table(self) -> list[list[int]]:
        return [list(row) for row in self.increments]


_meta: dict[int, AuctionMeta] = {}


def auction_meta_cached(auction_id: int) -> AuctionMeta | None:
    return _meta.get(auction_id)


def auction_meta(auction_id: int) -> AuctionMeta:
    meta = _meta.get(auction_id)
    if meta is not None:
        return meta
    row = (
        Auction.objects.filter(pk=auction_id)
        .values(
            "show_id",
            "seller_id",
            "product_id",
            "eligibility",
            "starting_cents",
            "reserve_cents",
            "increments",
            "currency",
        )
        .first()
    )
    if row is None:
        raise NotFound("No such auction.", code="auction_not_found")
    meta = AuctionMeta(
        id=auction_id,
        show_id=row["show_id"],
        seller_id=row["seller_id"],
        product_id=row["product_id"],
        eligibility=row["eligibility"],
        starting_cents=row["starting_cents"],
        reserve_cents=row["reserve_cents"],
        increments=tuple((start, step) for start, step in row["increments"]),
        currency=row["currency"],
    )
    if len(_meta) > 10_000:
        _meta.clear()
    _meta[auction_id] = meta
    return meta
