"""Thin Celery entry points of the auctions app; each calls one service and is a no-op when run twice."""

from celery import shared_task

from .services.auctions import auction_close_due, auctions_close_overdue


@shared_task(name="auctions.auction_close_due")
def auction_close_due_task(auction_id: int) -> bool:
    return auction_close_due(auction_id=auction_id)


@shared_task(name="auctions.auctions_close_overdue")
def auctions_close_overdue_task() -> int:
    return auctions_close_overdue()
