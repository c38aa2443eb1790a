from celery import shared_task

from .services.shill import shill_pusher_check_auction


@shared_task(name="auctions.shill_pusher_check")
def shill_pusher_check_task(auction_id: int) -> int:
    return len(shill_pusher_check_auction(auction_id=auction_id))
