"""Thin Celery entry points of the auctions app; each calls one service and is a no-op when run twice."""

from celery import shared_task

from .services.auctions import auction_close_due, auctions_close_overdue
from .services.giveaways import giveaway_draw_due, giveaways_draw_due


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
