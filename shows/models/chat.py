from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from .shows import Show


class ChatKind(models.TextChoices):
    CHAT = "chat", "Chat"
    SYSTEM = "system", "System"
    PRODUCT = "product", "Product highlight"


class ChatMessageQuerySet(models.QuerySet["ChatMessage"]):
    def shown(self) -> "ChatMessageQuerySet":
        return self.filter(deleted_at__isnull=True)


class ChatMessage(models.Model):
    """One line of a show's chat: what a viewer wrote, a system line (the show went live), or a
    product the host highlighted. Deleting only hides it: reports and audits still point at it."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="chat_messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="chat_messages"
    )
    kind = models.CharField(max_length=10, choices=ChatKind.choices, default=ChatKind.CHAT)
    text = models.CharField(max_length=500)
    is_host = models.BooleanField(default=False)
    # The client's id for the frame that posted it: a retried frame finds the message it already made.
    client_ref = models.CharField(max_length=64, blank=True)
    # Posted when a moderator released what the message check held; one message per held message.
    held_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    lineup_item = models.ForeignKey(
        "shows.LineupItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects: ClassVar[ChatMessageQuerySet] = ChatMessageQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["show", "-id"], name="chat_show_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["show", "sender", "client_ref"], condition=~Q(client_ref=""), name="chat_ref_once_per_sender"
            ),
            models.UniqueConstraint(
                fields=["held_message_id"], condition=Q(held_message_id__isnull=False), name="chat_held_posted_once"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="chat_text_not_empty"),
            # People write chat lines; system and product lines are Tokshop's.
            models.CheckConstraint(condition=~Q(kind="chat") | Q(sender__isnull=False), name="chat_line_has_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.show_id}: {Truncator(self.text).chars(60)}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
