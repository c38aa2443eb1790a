"""What settlement and the shill check hear: an auction closed (its own app's signal), an order paid
(commerce's)."""

from typing import Any

from django.db import transaction

from commerce.signals import order_paid

from .signals import auction_closed


def _auction_closed(*, auction_id: int, **kwargs: Any) -> None:
    from .tasks import settlement_start_task

    # Robust: a broker hiccup must not fail the close; the sweep starts a settlement that was lost.
    transaction.on_commit(lambda: settlement_start_task.delay(auction_id), robust=True)


def _order_paid(*, order: Any, **kwargs: Any) -> None:
    from .models import AuctionOffer
    from .tasks import offer_paid_task

    # Only an offer's order concerns settlement; its task keeps commerce's paying path clear of it.
    if AuctionOffer.objects.filter(order_id=order.pk).exists():
        transaction.on_commit(lambda: offer_paid_task.delay(order.pk), robust=True)


def connect() -> None:
    from .receivers_shill import auction_closed_check_shill

    auction_closed.connect(_auction_closed, dispatch_uid="auctions-settlement-closed")
    auction_closed.connect(auction_closed_check_shill, dispatch_uid="auctions.shill_pusher_check")
    order_paid.connect(_order_paid, dispatch_uid="auctions-settlement-order-paid")
