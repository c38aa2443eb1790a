"""Thin Celery entry points of the auctions app; each calls one service and is a no-op when run twice."""

from celery import shared_task

from .services.giveaways import giveaway_draw_due, giveaways_draw_due


@shared_task(name="auctions.giveaway_draw_due")
def giveaway_draw_due_task(giveaway_id: int) -> bool:
    return giveaway_draw_due(giveaway_id=giveaway_id)


@shared_task(name="auctions.giveaways_draw_due")
def giveaways_draw_due_task() -> int:
    return giveaways_draw_due()
