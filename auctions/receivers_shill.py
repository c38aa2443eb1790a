"""Connected in AuctionsConfig.ready: each closed auction has its bidders checked for shill bidding."""

import logging
from typing import Any

from kombu.exceptions import OperationalError

from .tasks_shill import shill_pusher_check_task

logger = logging.getLogger(__name__)


def auction_closed_check_shill(sender: Any, auction_id: int, **kwargs: Any) -> None:
    # `auction_closed` is sent after commit, so the task reads the closed auction; it runs on a
    # worker because the check reads every bidder's history with the seller.
    try:
        shill_pusher_check_task.delay(auction_id)
    except OperationalError:
        # The close must not fail for a check: the seller's next closed auction looks at the same
        # recent auctions again, so a pattern missed now is caught then.
        logger.warning("could not queue the shill check of auction %s", auction_id, exc_info=True)
