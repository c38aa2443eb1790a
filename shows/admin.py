from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.models import User

from .models import (
    ChatMessage,
    FlashSale,
    FlashSalePurchase,
    Follow,
    LineupItem,
    Poll,
    PollOption,
    Question,
    ScheduleLineupItem,
    Show,
    ShowParticipant,
    ShowReminder,
    ShowSchedule,
    ShowStats,
    VideoRoom,
    VideoWebhookEvent,
    ViewerSession,
)
from .services import lifecycle
from .services.chat import chat_delete
from .services.polls import poll_close
from .services.questions import question_dismiss

# --- Shows, lineups, follows, reminders and schedules ---------------------------------------


class LineupItemInline(admin.TabularInline):
    model = LineupItem
    extra = 0
    fields = ["position", "product", "clicks", "added_at"]
    readonly_fields = ["clicks", "added_at"]
    raw_id_fields = ["product"]


@admin.register(Show)
class ShowAdmin(admin.ModelAdmin):
    list_display = ["title", "seller", "status", "visibility", "scheduled_start", "started_at", "ended_at"]
    list_filter = ["status", "visibility", "chat_enabled", "questions_enabled"]
    list_select_related = ["seller"]
    search_fields = ["title", "tags", "seller__email", "seller__display_name"]
    date_hierarchy = "scheduled_start"
    raw_id_fields = ["seller", "category", "schedule", "pinned_item"]
    # The lifecycle is changed by the actions below, which go through the services (stamps, events).
    readonly_fields = [
        "status",
        "started_at",
        "paused_at",
        "resumed_at",
        "ended_at",
        "cancelled_at",
        "errored_at",
        "error_reason",
        "restarted_at",
        "pinned_at",
        "followers_told_scheduled_at",
        "followers_told_live_at",
        "created_at",
        "updated_at",
    ]
    inlines = [LineupItemInline]
    actions = ["end_shows", "cancel_shows"]

    def _each(self, request: HttpRequest, queryset: QuerySet[Show], change: Callable[[Show], Show], done: str) -> None:
        changed, refused = 0, []
        for show in queryset:
            try:
                change(show)
            except ApplicationError as error:
                refused.append(f"{show.title}: {error.message}")
            else:
                changed += 1
        self.message_user(request, f"{done}: {changed}.")
        for line in refused:
            self.message_user(request, line, level="warning")

    @admin.action(description="End the selected shows on air (as a Tokshop moderator)")
    def end_shows(self, request: HttpRequest, queryset: QuerySet[Show]) -> None:
        actor = cast(User, request.user)
        self._each(request, queryset, lambda show: lifecycle.show_end(actor=actor, show_id=show.pk), "Ended")

    @admin.action(description="Cancel the selected scheduled shows, on their sellers' behalf")
    def cancel_shows(self, request: HttpRequest, queryset: QuerySet[Show]) -> None:
        self._each(
            request,
            queryset.select_related("seller"),
            lambda show: lifecycle.show_cancel(actor=show.seller, show_id=show.pk),
            "Cancelled",
        )


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "seller", "created_at"]
    list_select_related = ["follower", "seller"]
    search_fields = ["follower__email", "seller__email"]
    raw_id_fields = ["follower", "seller"]


@admin.register(ShowReminder)
class ShowReminderAdmin(admin.ModelAdmin):
    list_display = ["user", "show", "created_at", "notified_at"]
    list_filter = ["notified_at"]
    list_select_related = ["user", "show"]
    search_fields = ["user__email", "show__title"]
    raw_id_fields = ["user", "show"]
    readonly_fields = ["notified_at"]


class ScheduleLineupItemInline(admin.TabularInline):
    model = ScheduleLineupItem
    extra = 0
    raw_id_fields = ["product"]


@admin.register(ShowSchedule)
class ShowScheduleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "seller",
        "frequency",
        "weekdays",
        "time_of_day",
        "time_zone",
        "starts_on",
        "ends_on",
        "stopped_at",
    ]
    list_filter = ["frequency", "visibility"]
    list_select_related = ["seller"]
    search_fields = ["title", "seller__email"]
    raw_id_fields = ["seller", "category"]
    readonly_fields = ["stopped_at", "followers_told_at", "created_at", "updated_at"]
    inlines = [ScheduleLineupItemInline]


# Admin actions call the same services as the room (staff act as Tokshop's moderators), so the
# room hears of what they do.
def _room_action(request: HttpRequest, rows: Iterable[Any], act: Callable[[Any], Any], done: str) -> None:
    """Run a room service on each selected row; a refusal (the actor does not moderate there) stops it."""
    try:
        for row in rows:
            act(row)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


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
    def delete_from_chat(self, request: AuthenticatedHttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        def delete(message: ChatMessage) -> None:
            chat_delete(actor=request.user, show_id=message.show_id, message_id=message.pk)

        _room_action(
            request,
            queryset.filter(deleted_at__isnull=True),
            delete,
            "The messages are deleted from their shows' chat.",
        )


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


# --- Polls, questions and flash sales (read only: the room writes them) ---------------------------
class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0
    fields = ["position", "text", "votes"]
    readonly_fields = ["position", "text", "votes"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = ["question", "show", "status", "opened_at", "closes_at", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["show"]
    search_fields = ["question", "show__title"]
    raw_id_fields = ["show", "closed_by"]
    inlines = [PollOptionInline]
    actions = ["close"]

    @admin.action(description="Close the selected polls")
    def close(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Poll]) -> None:
        def close(poll: Poll) -> None:
            poll_close(actor=request.user, show_id=poll.show_id, poll_id=poll.pk)

        _room_action(request, queryset.filter(status="open"), close, "The polls are closed.")


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["text", "show", "author", "status", "upvotes", "created_at"]
    list_filter = ["status"]
    list_select_related = ["show", "author"]
    search_fields = ["text", "author__email", "show__title"]
    raw_id_fields = ["show", "author", "decided_by"]
    actions = ["dismiss"]

    @admin.action(description="Dismiss the selected questions")
    def dismiss(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Question]) -> None:
        def dismiss(question: Question) -> None:
            question_dismiss(actor=request.user, show_id=question.show_id, question_id=question.pk)

        _room_action(request, queryset, dismiss, "The questions are dismissed.")


@admin.register(FlashSale)
class FlashSaleAdmin(ReadOnlyAdmin):
    list_display = ["id", "show", "product", "price_cents", "sold", "total_limit", "status", "ends_at"]
    list_filter = ["status"]
    list_select_related = ["show", "product"]
    search_fields = ["show__title", "product__title"]
    raw_id_fields = ["show", "item", "product"]


@admin.register(FlashSalePurchase)
class FlashSalePurchaseAdmin(ReadOnlyAdmin):
    list_display = ["order", "sale", "show", "buyer", "quantity", "amount_cents", "created_at"]
    list_select_related = ["order", "sale", "show", "buyer"]
    search_fields = ["buyer__email", "show__title"]
    raw_id_fields = ["sale", "show", "buyer", "order"]
