"""A show's video room at LiveKit, who is in it, and the inbox of LiveKit's webhooks."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .shows import Show


class VideoRoomState(models.TextChoices):
    # Asked for (the show went live) and not yet confirmed by the room service.
    PENDING = "pending", "Being created"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


def video_room_name(show_id: int) -> str:
    return f"show-{show_id}"


def video_room_show_id(name: str) -> int | None:
    """The show a room name belongs to, or None for a room that is not a show's."""
    prefix, _, number = name.partition("-")
    return int(number) if prefix == "show" and number.isdigit() else None


class VideoRoom(models.Model):
    """The show's room at LiveKit as Tokshop last knew it; the room service is the truth and the
    webhooks and the reconcile job keep this copy equal to it. One per show: a show that goes live
    again reopens the same room name."""

    show = models.OneToOneField(Show, on_delete=models.CASCADE, related_name="video_room")
    name = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=VideoRoomState.choices, default=VideoRoomState.PENDING)
    sid = models.CharField(max_length=64, blank=True, help_text="LiveKit's id of the room's current session.")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="open") | models.Q(opened_at__isnull=False), name="videoroom_open_stamped"
            )
        ]
        indexes = [models.Index(fields=["state"], name="videoroom_state_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class ShowParticipantQuerySet(models.QuerySet["ShowParticipant"]):
    def present(self) -> "ShowParticipantQuerySet":
        return self.filter(left_at__isnull=True)


class ShowParticipant(models.Model):
    """One connection to a show's video room (an identity is issued per token, so one person on
    two devices is two participants)."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="video_participants")
    identity = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sid = models.CharField(max_length=64, blank=True)
    is_publisher = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # The time of the newest webhook applied: an older one delivered late changes nothing.
    event_at = models.DateTimeField(null=True, blank=True)

    objects = ShowParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["show", "identity"], name="participant_identity_once")]
        indexes = [
            models.Index(
                fields=["show", "user"], name="participant_present_idx", condition=models.Q(left_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.identity} in {self.show_id}"


class VideoWebhookEvent(models.Model):
    """LiveKit's inbox: every webhook event stored once, by its id, and applied exactly once."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=60)
    room_name = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(null=True, blank=True, help_text="When LiveKit emitted it.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["room_name", "-received_at"], name="videowebhook_room_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
