from collections.abc import Callable
from typing import cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tokshop.core.errors import ApplicationError
from tokshop.users.models import User

from .models import Follow, LineupItem, ScheduleLineupItem, Show, ShowReminder, ShowSchedule
from .services import lifecycle

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
