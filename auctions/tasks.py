import stripe
from celery import shared_task

from .services.settlement import offer_charge, offer_paid, settlement_start, settlements_sweep


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
