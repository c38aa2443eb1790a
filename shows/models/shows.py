import secrets
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

# A show that ended may go live again within this time (the host's connection dropped, or they
# ended by mistake); after it, a new show is scheduled instead.
RESTART_WINDOW = timedelta(hours=2)


class ShowStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"
    ERROR = "error", "Error"


# The statuses a viewer can be in the room for: the stream is on, or on hold for a moment.
ON_AIR = (ShowStatus.LIVE, ShowStatus.PAUSED)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    FOLLOWERS = "followers", "Followers only"
    PRIVATE = "private", "Private link"


def show_thumbnail_upload_to(instance: "Show", filename: str) -> str:
    return f"shows/{instance.seller_id}/{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1].lower()}"


def private_token_new() -> str:
    return secrets.token_urlsafe(16)


class ShowQuerySet(models.QuerySet["Show"]):
    def on_air(self) -> "ShowQuerySet":
        return self.filter(status__in=ON_AIR)

    def upcoming(self) -> "ShowQuerySet":
        return self.filter(status=ShowStatus.SCHEDULED)

    def listed(self) -> "ShowQuerySet":
        """Shows anyone may find in lists: private-link shows are reached by their link alone."""
        return self.exclude(visibility=Visibility.PRIVATE)


class Show(models.Model):
    """A live video show a seller hosts: scheduled, then on air, then over."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shows", limit_choices_to={"is_seller": True}
    )
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=5000)
    thumbnail = models.ImageField(upload_to=show_thumbnail_upload_to, blank=True)
    category = models.ForeignKey(
        "commerce.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="shows"
    )
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated, lowercase.")
    scheduled_start = models.DateTimeField()
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    private_token = models.CharField(
        max_length=32, default=private_token_new, help_text="The secret in a private show's link."
    )
    max_viewers = models.PositiveIntegerField(null=True, blank=True, help_text="Empty for no limit.")
    chat_enabled = models.BooleanField(default=True)
    questions_enabled = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=ShowStatus.choices, default=ShowStatus.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When it first went live.")
    paused_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    errored_at = models.DateTimeField(null=True, blank=True)
    error_reason = models.CharField(max_length=200, blank=True)
    restarted_at = models.DateTimeField(null=True, blank=True)
    pinned_item = models.ForeignKey(
        "shows.LineupItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    schedule = models.ForeignKey(
        "shows.ShowSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shows",
        help_text="The recurring schedule that made this show, if any.",
    )
    # Followers hear of a show once when it is scheduled and once when it first goes live, however
    # often the task that tells them runs (a retry, a restart of the show).
    followers_told_scheduled_at = models.DateTimeField(null=True, blank=True, editable=False)
    followers_told_live_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ShowQuerySet] = ShowQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["scheduled_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_viewers__isnull=True) | models.Q(max_viewers__gt=0),
                name="show_max_viewers_positive",
            ),
            # A show on air has its start; a show that ended has both ends.
            models.CheckConstraint(
                condition=~models.Q(status__in=["live", "paused"]) | models.Q(started_at__isnull=False),
                name="show_on_air_started",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ended") | models.Q(ended_at__isnull=False),
                name="show_ended_has_end",
            ),
            # A schedule makes one show per occurrence, however often its expansion runs.
            models.UniqueConstraint(fields=["schedule", "scheduled_start"], name="show_once_per_occurrence"),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_start"], name="show_status_start_idx"),
            models.Index(fields=["seller", "status", "-scheduled_start"], name="show_seller_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("shows:room", kwargs={"show_id": self.pk})

    @property
    def is_on_air(self) -> bool:
        return self.status in ON_AIR

    @property
    def is_live(self) -> bool:
        return self.status == ShowStatus.LIVE

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    def can_restart(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == ShowStatus.ENDED and self.ended_at is not None and now - self.ended_at <= RESTART_WINDOW


class LineupItem(models.Model):
    """A product the seller plans to show, in the order they will show it."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="lineup")
    product = models.ForeignKey("commerce.Product", on_delete=models.PROTECT, related_name="lineup_items")
    position = models.PositiveSmallIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0, help_text="Viewers who opened it from the room.")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["show", "product"], name="lineup_product_once_per_show")]

    def __str__(self) -> str:
        return f"{self.show_id} #{self.position}: {self.product_id}"


class Follow(models.Model):
    """A viewer follows a seller: they hear when the seller schedules a show and when it goes live."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "seller"], name="follow_once"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("seller")), name="follow_not_self"),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"], name="follow_seller_idx")]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.seller_id}"


class ShowReminder(models.Model):
    """Someone asked to be told when one show goes live."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="show_reminders")
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["show", "user"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.show_id}"
