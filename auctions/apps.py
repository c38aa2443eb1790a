from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = "Auctions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .receivers_shill import auction_closed_check_shill
        from .signals import auction_closed

        auction_closed.connect(auction_closed_check_shill, dispatch_uid="auctions.shill_pusher_check")
