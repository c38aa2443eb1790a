from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class OfferStatus(models.TextChoices):
    # A second chance waiting for the bidder's answer (accept, or turn it down) until `pay_by`.
    OFFERED = "offered", "Offered"
    # The order is made and its saved card is being charged.
    CHARGING = "charging", "Charging"
    # The bank asked for authentication, or there was no card to charge: the buyer pays in the app.
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PAID = "paid", "Paid"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Not paid in time"
    # A second-chance offer the bidder turned down.
    REFUSED = "refused", "Turned down"


OFFER_OPEN = (OfferStatus.OFFERED, OfferStatus.CHARGING, OfferStatus.AWAITING_PAYMENT)


class AuctionOffer(models.Model):
    """A sale offered to one bidder after the close: the winner first (rank 1), then, if they do
    not pay, a second chance to the next distinct bidder at their own highest bid, and so on."""

    auction = models.ForeignKey("auctions.Auction", on_delete=models.CASCADE, related_name="offers")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auction_offers")
    rank = models.PositiveSmallIntegerField()
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.CHARGING)
    order = models.OneToOneField(
        "commerce.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="auction_offer"
    )
    # Until when the buyer may still answer a second chance, or pay in the app (authentication
    # asked for, no card, no address): the sweep ends the offer after it.
    pay_by = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["auction", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "rank"], name="offer_rank_once"),
            models.UniqueConstraint(fields=["auction", "buyer"], name="offer_buyer_once"),
            # Never two sales of one lot in flight: at most one offer open or paid per auction.
            models.UniqueConstraint(
                fields=["auction"],
                condition=Q(status__in=["offered", "charging", "awaiting_payment", "paid"]),
                name="offer_one_live_per_auction",
            ),
        ]
        indexes = [models.Index(fields=["status", "pay_by"], name="offer_status_pay_by_idx")]

    def __str__(self) -> str:
        return f"Offer {self.auction_id}#{self.rank} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("auctions:offer", kwargs={"offer_id": self.pk})

    @property
    def is_second_chance(self) -> bool:
        return self.rank > 1


class AuctionEventKind(models.TextChoices):
    CREATED = "created", "Created"
    OPENED = "opened", "Opened"
    EXTENDED = "extended", "Extended"
    CANCELLED = "cancelled", "Cancelled"
    CLOSED = "closed", "Closed"
    BOUGHT_NOW = "bought_now", "Bought now"
    OFFERED = "offered", "Offered"
    CHARGED = "charged", "Charged"
    PAYMENT_ASKED = "payment_asked", "Buyer asked to pay"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Not paid in time"
    REFUSED = "refused", "Offer turned down"
    ACCEPTED = "accepted", "Offer accepted"
    PAID = "paid", "Paid"
    STRIKE = "strike", "Strike given"
    UNSOLD = "unsold", "Unsold"


class AuctionEvent(models.Model):
    """The audit trail of an auction, from creation to settlement: what the seller sees step by step."""

    auction = models.ForeignKey("auctions.Auction", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=AuctionEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["auction", "at", "id"]

    def __str__(self) -> str:
        return f"{self.auction_id}: {self.kind}"


class BidderStrike(models.Model):
    """A winner who did not pay. Strikes are counted against the right to bid (see the bid rules)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bidder_strikes")
    auction = models.ForeignKey("auctions.Auction", on_delete=models.CASCADE, related_name="strikes")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "auction"], name="strike_once_per_auction")]

    def __str__(self) -> str:
        return f"Strike {self.user_id} ({self.auction_id})"
