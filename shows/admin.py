from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest

from .models import FlashSale, FlashSalePurchase, Poll, PollOption, Question
from .services.polls import poll_close
from .services.questions import question_dismiss


# --- Polls, questions and flash sales --------------------------------------------------------
# Read-only records of what happened in the room; the actions call the same services as the room
# (staff act as Tokshop's moderators), so the room hears of them.
def _room_action(request: HttpRequest, rows: Iterable[Any], act: Callable[[Any], Any], done: str) -> None:
    """Run a room service on each selected row; a refusal (the actor does not moderate there) stops it."""
    try:
        for row in rows:
            act(row)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
