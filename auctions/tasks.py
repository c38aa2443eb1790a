"""Thin Celery entry points of the auctions app; each calls one service and is a no-op when run twice."""

import stripe
from celery import shared_task

from .services.auctions import auction_close_due, auctions_close_overdue
from .services.giveaways import giveaway_draw_due, giveaways_draw_due
from .services.settlement import offer_charge, offer_paid, settlement_start, settlements_sweep


@shared_task(name="auctions.auction_close_due")
def auction_close_due_task(auction_id: int) -> bool:
    return auction_close_due(auction_id=auction_id)


@shared_task(name="auctions.auctions_close_overdue")
def auctions_close_overdue_task() -> int:
    return auctions_close_overdue()


@shared_task(name="auctions.giveaway_draw_due")
def giveaway_draw_due_task(giveaway_id: int) -> bool:
    return giveaway_draw_due(giveaway_id=giveaway_id)


@shared_task(name="auctions.giveaways_draw_due")
def giveaways_draw_due_task() -> int:
    return giveaways_draw_due()


@shared_task(name="auctions.settlement_start")
def settlement_start_task(auction_id: int) -> None:
    settlement_start(auction_id=auction_id)


# Stripe unreachable: the charge is retried with the same idempotency key (the order's and the
# card's), so however often it runs, the winner pays once.
@shared_task(
    name="auctions.offer_charge",
    autoretry_for=(stripe.APIConnectionError, stripe.RateLimitError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def offer_charge_task(offer_id: int) -> str:
    return offer_charge(offer_id=offer_id)


@shared_task(name="auctions.offer_paid")
def offer_paid_task(order_id: int) -> None:
    offer_paid(order_id=order_id)


@shared_task(name="auctions.settlements_sweep")
def settlements_sweep_task() -> int:
    return settlements_sweep()
