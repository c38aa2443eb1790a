from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shows.admin import ReadOnlyAdmin
from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest

from .models import Giveaway, GiveawayEntry
from .services.giveaways import giveaway_draw


class GiveawayEntryInline(admin.TabularInline):
    model = GiveawayEntry
    extra = 0
    fields = ["id", "user", "method", "created_at"]
    readonly_fields = ["id", "user", "method", "created_at"]
    can_delete = False
    ordering = ["id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# A giveaway is the audit record of a draw (its seed, its entries by number, its winner and order):
# read-only here, and the one action draws through the service, so the seed, the free order and the
# room's broadcast still happen.
@admin.register(Giveaway)
class GiveawayAdmin(ReadOnlyAdmin):
    list_display = ["id", "show", "product", "entry", "status", "entry_count", "winner", "ends_at", "drawn_at"]
    list_filter = ["status", "entry"]
    list_select_related = ["show", "product", "winner"]
    search_fields = ["show__title", "product__title", "winner__email", "=seed"]
    raw_id_fields = ["show", "product", "seller", "winner", "order", "reservation", "created_by"]
    inlines = [GiveawayEntryInline]
    actions = ["draw"]

    @admin.action(description="Draw the selected giveaways now")
    def draw(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Giveaway]) -> None:
        try:
            for giveaway in queryset.filter(status="running"):
                giveaway_draw(actor=request.user, giveaway_id=giveaway.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The giveaways are drawn.")


@admin.register(GiveawayEntry)
class GiveawayEntryAdmin(ReadOnlyAdmin):
    list_display = ["giveaway", "user", "method", "created_at"]
    list_filter = ["method"]
    list_select_related = ["giveaway", "user"]
    search_fields = ["user__email", "=giveaway__id"]
    raw_id_fields = ["giveaway", "user"]
