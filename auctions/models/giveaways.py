import hashlib
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

GIVEAWAY_SECONDS_MIN = 10
# The limit: a giveaway runs for up to five minutes.
GIVEAWAY_SECONDS_MAX = 300


class GiveawayStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DRAWN = "drawn", "Drawn"
    # It ended with nobody entered: there was no one to draw.
    CANCELLED = "cancelled", "Cancelled (no entrants)"


class GiveawayEntryKind(models.TextChoices):
    ROOM = "room", "Anyone in the room"
    FOLLOWERS = "followers", "Followers of the seller"


class EntryMethod(models.TextChoices):
    ROOM = "room", "From the live room"
    FREE_FORM = "free_form", "Free entry form"


def winning_position(seed: str, entrants: int) -> int:
    """The 0-based position of the winning entry among `entrants` entries listed by entry number.

    The official rules publish this rule: SHA-256 of the seed (its text, as ASCII), read as one
    hexadecimal number, modulo the number of entries. Anyone can recompute it from the published
    seed and entry list.
    """
    return int(hashlib.sha256(seed.encode("ascii")).hexdigest(), 16) % entrants


class GiveawayQuerySet(models.QuerySet["Giveaway"]):
    def running(self) -> "GiveawayQuerySet":
        return self.filter(status=GiveawayStatus.RUNNING)


class Giveaway(models.Model):
    """A lineup product given away in a show: people enter while it runs, one winner is drawn at its
    end with a recorded seed, and the winner's order is made at no charge."""

    show = models.ForeignKey("shows.Show", on_delete=models.CASCADE, related_name="giveaways")
    product = models.ForeignKey("commerce.Product", on_delete=models.PROTECT, related_name="giveaways")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="giveaways_given")
    status = models.CharField(max_length=10, choices=GiveawayStatus.choices, default=GiveawayStatus.RUNNING)
    entry = models.CharField(max_length=10, choices=GiveawayEntryKind.choices, default=GiveawayEntryKind.ROOM)
    duration_seconds = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    # The prize's unit, held from the start so the winner's order cannot find it sold.
    reservation = models.OneToOneField(
        "commerce.StockReservation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seed = models.CharField(max_length=32, blank=True, help_text="Drawn at the end; published with the winner.")
    entry_count = models.PositiveIntegerField(default=0, help_text="Entries at the draw.")
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="giveaways_won"
    )
    order = models.OneToOneField(
        "commerce.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="giveaway"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    drawn_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[GiveawayQuerySet] = GiveawayQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One giveaway at a time per show: the room follows one countdown and one Enter button.
            models.UniqueConstraint(
                fields=["show"], condition=Q(status="running"), name="giveaway_one_running_per_show"
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__gte=GIVEAWAY_SECONDS_MIN, duration_seconds__lte=GIVEAWAY_SECONDS_MAX),
                name="giveaway_duration_range",
            ),
            # A drawn giveaway always has its seed and winner on record; the others have neither.
            models.CheckConstraint(
                condition=(Q(status="drawn") & ~Q(seed="") & Q(drawn_at__isnull=False) & Q(entry_count__gt=0))
                | (~Q(status="drawn") & Q(seed="") & Q(winner__isnull=True)),
                name="giveaway_drawn_has_seed",
            ),
        ]
        indexes = [
            models.Index(fields=["show", "-created_at"], name="giveaway_show_idx"),
            models.Index(fields=["status", "ends_at"], name="giveaway_status_ends_idx"),
        ]

    def __str__(self) -> str:
        return f"Giveaway {self.pk} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status == GiveawayStatus.RUNNING

    def is_due(self, now: datetime) -> bool:
        return self.is_running and now >= self.ends_at


class GiveawayEntry(models.Model):
    """One person's entry in a giveaway, from the room or from the free entry form on its rules page."""

    giveaway = models.ForeignKey(Giveaway, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="giveaway_entries")
    method = models.CharField(max_length=10, choices=EntryMethod.choices, default=EntryMethod.ROOM)
    created_at = models.DateTimeField(default=timezone.now, help_text="By the server's clock, when it arrived.")

    class Meta:
        ordering = ["giveaway", "id"]
        constraints = [models.UniqueConstraint(fields=["giveaway", "user"], name="giveaway_entry_once")]

    def __str__(self) -> str:
        return f"Entry {self.giveaway_id}:{self.user_id}"
