from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tokshop.core.errors import ApplicationError

from .models import ChatMessage, ShowParticipant, ShowStats, VideoRoom, VideoWebhookEvent, ViewerSession
from .services.chat import chat_delete


# Records the room and the video service write; people read them here.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Video -----------------------------------------------------------------------------------------
# Tokshop's copy of LiveKit's rooms, kept by webhooks and the reconcile job: read-only, since the
# room service is the truth and a hand edit would be overwritten within a minute.
@admin.register(VideoRoom)
class VideoRoomAdmin(ReadOnlyAdmin):
    list_display = ["name", "show", "state", "sid", "opened_at", "closed_at"]
    list_filter = ["state"]
    search_fields = ["=name", "=sid", "show__title"]
    list_select_related = ["show"]
    raw_id_fields = ["show"]


@admin.register(ShowParticipant)
class ShowParticipantAdmin(ReadOnlyAdmin):
    list_display = ["identity", "show", "user", "is_publisher", "joined_at", "left_at"]
    list_filter = ["is_publisher", ("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["=identity", "user__email"]


# --- The room's chat, viewers and figures (read only: they are written by the room itself) ----------
@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "show", "sender", "kind", "text", "is_host", "deleted_at"]
    list_filter = ["kind", "is_host", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "sender__email", "sender__display_name", "show__title"]
    list_select_related = ["show", "sender"]
    raw_id_fields = ["show", "sender", "lineup_item", "deleted_by"]
    date_hierarchy = "created_at"
    actions = ["delete_from_chat"]

    @admin.action(description="Delete from the show's chat (audited)")
    def delete_from_chat(self, request: HttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        deleted = 0
        for message in queryset.filter(deleted_at__isnull=True):
            try:
                chat_delete(actor=request.user, show_id=message.show_id, message_id=message.pk)  # type: ignore[arg-type]
            except ApplicationError as refusal:
                self.message_user(request, f"{message.pk}: {refusal.message}", messages.ERROR)
            else:
                deleted += 1
        self.message_user(request, f"{deleted} message(s) deleted from their shows' chat.")


@admin.register(ViewerSession)
class ViewerSessionAdmin(ReadOnlyAdmin):
    list_display = ["joined_at", "show", "user", "anonymous_id", "device", "left_at", "watch_seconds"]
    list_filter = ["device"]
    search_fields = ["show__title", "user__email"]
    list_select_related = ["show", "user"]
    raw_id_fields = ["show", "user"]


@admin.register(VideoWebhookEvent)
class VideoWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "room_name", "created_at", "received_at"]
    list_filter = ["type"]
    search_fields = ["=event_id", "=room_name"]
    date_hierarchy = "received_at"
    readonly_fields = ["event_id", "type", "room_name", "payload", "created_at", "received_at"]


@admin.register(ShowStats)
class ShowStatsAdmin(ReadOnlyAdmin):
    list_display = ["show", "peak_viewers", "unique_viewers", "chat_messages", "reactions", "orders", "revenue_cents"]
    search_fields = ["show__title"]
    list_select_related = ["show"]
    raw_id_fields = ["show"]
