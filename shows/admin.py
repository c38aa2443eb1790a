from django.contrib import admin
from django.http import HttpRequest

from .models import ShowParticipant, VideoRoom, VideoWebhookEvent


# --- Video -----------------------------------------------------------------------------------------
# Tokshop's copy of LiveKit's rooms, kept by webhooks and the reconcile job: read-only, since the
# room service is the truth and a hand edit would be overwritten within a minute.
class VideoReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(VideoRoom)
class VideoRoomAdmin(VideoReadOnlyAdmin):
    list_display = ["name", "show", "state", "sid", "opened_at", "closed_at"]
    list_filter = ["state"]
    search_fields = ["=name", "=sid", "show__title"]
    list_select_related = ["show"]
    raw_id_fields = ["show"]


@admin.register(ShowParticipant)
class ShowParticipantAdmin(VideoReadOnlyAdmin):
    list_display = ["identity", "show", "user", "is_publisher", "joined_at", "left_at"]
    list_filter = ["is_publisher", ("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["=identity", "user__email"]
    list_select_related = ["show", "user"]
    raw_id_fields = ["show", "user"]


@admin.register(VideoWebhookEvent)
class VideoWebhookEventAdmin(VideoReadOnlyAdmin):
    list_display = ["event_id", "type", "room_name", "created_at", "received_at"]
    list_filter = ["type"]
    search_fields = ["=event_id", "=room_name"]
    date_hierarchy = "received_at"
    readonly_fields = ["event_id", "type", "room_name", "payload", "created_at", "received_at"]
