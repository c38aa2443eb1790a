from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .shows import Show


class Device(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    DESKTOP = "desktop", "Desktop"


class ViewerSession(models.Model):
    """One socket's stay in a show's room: who (a user, or an anonymous viewer's hashed id), on
    what kind of device, and for how long they watched (time spent away from the tab not counted)."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="viewer_sessions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    anonymous_id = models.CharField(max_length=32, blank=True, help_text="A hash of the visitor's session.")
    device = models.CharField(max_length=10, choices=Device.choices, default=Device.DESKTOP)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    watch_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-joined_at", "-id"]
        indexes = [models.Index(fields=["show", "joined_at"], name="viewer_session_show")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(anonymous_id=""), name="viewer_session_has_viewer"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="viewer_session_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.show_id}: {self.user_id or self.anonymous_id[:8]}"


class ShowStats(models.Model):
    """A show's audience and sales, kept after it ends: written while it is on air (periodically and
    as orders come in) and once more when it ends."""

    show = models.OneToOneField(Show, on_delete=models.CASCADE, related_name="stats", primary_key=True)
    peak_viewers = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    average_watch_seconds = models.PositiveIntegerField(default=0)
    chat_messages = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)
    product_clicks = models.PositiveIntegerField(default=0)
    # Filled by whoever sells in the show (flash sales, auctions), through `show_stats_add_order`.
    orders = models.PositiveIntegerField(default=0)
    revenue_cents = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "show stats"

    def __str__(self) -> str:
        return f"Stats of {self.show_id}"
