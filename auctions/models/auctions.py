from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..increments import DEFAULT_INCREMENTS


def default_increments() -> list[list[int]]:
    return [list(row) for row in DEFAULT_INCREMENTS]


class AuctionStatus(models.TextChoices):
    # Made on a lineup product; takes pre-bids when it allows them, until the host opens it.
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class AuctionMode(models.TextChoices):
    # A bid that changes the price in the last `window_seconds` moves the end to now + window.
    SOFT_CLOSE = "soft_close", "Soft close"
    SUDDEN_DEATH = "sudden_death", "Sudden death"


class Eligibility(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    FOLLOWERS = "followers", "Followers of the seller"
    VERIFIED_PAYMENT = "verified_payment", "Buyers with a verified payment method"


class AuctionOutcome(models.TextChoices):
    NONE = "", "—"
    SOLD = "sold", "Sold"
    BOUGHT_NOW = "bought_now", "Bought now"
    NO_BIDS = "no_bids", "No bids"
    RESERVE_NOT_MET = "reserve_not_met", "Reserve not met"
    UNPAID = "unpaid", "Nobody paid"


class BidSource(models.TextChoices):
    ROOM = "room", "Live room"
    API = "api", "API"


class SellerAuctionDefaults(models.Model):
    """A seller's own starting points for new auctions: the increment table above all."""

    seller = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auction_defaults")
    increments = models.JSONField(default=default_increments)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Auction defaults of {self.seller_id}"


class AuctionQuerySet(models.QuerySet["Auction"]):
    def open(self) -> "AuctionQuerySet":
        return self.filter(status=AuctionStatus.OPEN)

    def running(self) -> "AuctionQuerySet":
        """Auctions a viewer can bid on now, or pre-bid on."""
        return self.filter(status__in=(AuctionStatus.SCHEDULED, AuctionStatus.OPEN))


class Auction(models.Model):
    """One lot auctioned in a show: its rules, its live state (kept in step with the bids) and its outcome.

    The decision on each bid is taken in the bid engine (`auctions.engine`); this row is the
    durable copy, written with the bids in the same transaction, and the source the engine is
    rebuilt from.
    """

    show = models.ForeignKey("shows.Show", on_delete=models.CASCADE, related_name="auctions")
    product = models.ForeignKey("commerce.Product", on_delete=models.PROTECT, related_name="auctions")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auctions_sold")
    status = models.CharField(max_length=12, choices=AuctionStatus.choices, default=AuctionStatus.SCHEDULED)
    mode = models.CharField(max_length=12, choices=AuctionMode.choices, default=AuctionMode.SOFT_CLOSE)
    eligibility = models.CharField(max_length=16, choices=Eligibility.choices, default=Eligibility.EVERYONE)
    currency = models.CharField(max_length=3, default="USD")
    starting_cents = models.PositiveIntegerField(default=100)
    reserve_cents = models.PositiveIntegerField(null=True, blank=True, help_text="Hidden from buyers.")
    buy_now_cents = models.PositiveIntegerField(null=True, blank=True)
    increments = models.JSONField(default=default_increments)
    duration_seconds = models.PositiveSmallIntegerField(default=20)
    window_seconds = models.PositiveSmallIntegerField(default=10)
    max_extensions = models.PositiveSmallIntegerField(default=10)
    # Past the first end, no extension goes beyond this.
    hard_stop_seconds = models.PositiveSmallIntegerField(default=120)
    allow_prebids = models.BooleanField(default=False)

    # The live state, as of the last durable bid.
    price_cents = models.PositiveIntegerField(default=0)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bid_count = models.PositiveIntegerField(default=0)
    extensions = models.PositiveSmallIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    hard_stop_at = models.DateTimeField(null=True, blank=True)

    # The outcome.
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AuctionOutcome.choices, default=AuctionOutcome.NONE, blank=True)
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="auctions_won"
    )
    winning_cents = models.PositiveIntegerField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[AuctionQuerySet] = AuctionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One lot under the hammer per show at a time: viewers follow one countdown.
            models.UniqueConstraint(fields=["show"], condition=Q(status="open"), name="auction_one_open_per_show"),
            models.CheckConstraint(condition=Q(starting_cents__gt=0), name="auction_starting_positive"),
            models.CheckConstraint(
                condition=Q(duration_seconds__gte=5, duration_seconds__lte=300), name="auction_duration_range"
            ),
            models.CheckConstraint(
                condition=Q(window_seconds__gte=5, window_seconds__lte=20), name="auction_window_range"
            ),
            models.CheckConstraint(
                condition=Q(reserve_cents__isnull=True) | Q(reserve_cents__gte=models.F("starting_cents")),
                name="auction_reserve_above_start",
            ),
            models.CheckConstraint(
                condition=Q(buy_now_cents__isnull=True) | Q(buy_now_cents__gt=models.F("starting_cents")),
                name="auction_buy_now_above_start",
            ),
        ]
        indexes = [
            models.Index(fields=["show", "-created_at"], name="auction_show_idx"),
            models.Index(fields=["status", "ends_at"], name="auction_status_ends_idx"),
            models.Index(fields=["seller", "-created_at"], name="auction_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"Auction {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == AuctionStatus.OPEN

    @property
    def is_finished(self) -> bool:
        return self.status in (AuctionStatus.CLOSED, AuctionStatus.CANCELLED)

    def ends_at_or_none(self) -> datetime | None:
        return self.ends_at if self.is_open else None


class Bid(models.Model):
    """An accepted bid: the bidder's max at that moment and the price and leader it left.

    `seq` numbers an auction's accepted bids 1, 2, 3… in the order the engine accepted them;
    `client_ref` makes a bid repeated by its client (a reconnect, a retry) count once.
    """

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids")
    seq = models.PositiveIntegerField()
    bidder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bids")
    max_cents = models.PositiveIntegerField()
    price_cents = models.PositiveIntegerField(help_text="The price once this bid was taken.")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_ref = models.CharField(max_length=64)
    received_at = models.DateTimeField(help_text="By the server's clock, when the bid arrived.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="The auction's end once this bid was taken.")
    is_buy_now = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=BidSource.choices, default=BidSource.ROOM)

    class Meta:
        ordering = ["auction", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "seq"], name="bid_seq_once"),
            models.UniqueConstraint(fields=["auction", "bidder", "client_ref"], name="bid_client_ref_once"),
            models.CheckConstraint(condition=Q(max_cents__gt=0) & Q(price_cents__gt=0), name="bid_amounts_positive"),
        ]
        indexes = [models.Index(fields=["bidder", "-received_at"], name="bid_bidder_idx")]

    def __str__(self) -> str:
        return f"Bid {self.auction_id}#{self.seq}"
