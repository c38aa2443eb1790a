"""Auctions and giveaways in the admin: read-only records of what happened, with the audit trail beside
them. The changes made here (cancelling an auction nobody has bid on, drawing a giveaway) go through the services."""

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shows.admin import ReadOnlyAdmin, _room_action
from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest

from .models import (
    Auction,
    AuctionEvent,
    AuctionOffer,
    Bid,
    BidderStrike,
    Giveaway,
    GiveawayEntry,
    SellerAuctionDefaults,
)
from .services.auctions import auction_cancel
from .services.giveaways import giveaway_draw


class BidInline(admin.TabularInline):
    model = Bid
    extra = 0
    fields = readonly_fields = (
        "seq",
        "bidder",
        "max_cents",
        "price_cents",
        "leader",
        "received_at",
        "is_buy_now",
        "source",
    )
    can_delete = False
    ordering = ["-seq"]
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuctionEventInline(admin.TabularInline):
    model = AuctionEvent
    extra = 0
    fields = readonly_fields = ("at", "kind", "actor", "note", "data")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Auction)
class AuctionAdmin(ReadOnlyAdmin):
    list_display = ["id", "product", "show", "status", "outcome", "price_cents", "bid_count", "winner", "ends_at"]
    list_filter = ["status", "outcome", "mode", "eligibility"]
    list_select_related = ["product", "show", "winner"]
    search_fields = ["=id", "product__title", "show__title", "seller__email", "winner__email"]
    raw_id_fields = ["show", "product", "seller", "leader", "winner", "created_by"]
    date_hierarchy = "created_at"
    inlines = [AuctionEventInline, BidInline]
    actions = ["cancel"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing the page (and its actions) needs it; every field stays read-only.
        return bool(request.user.is_staff)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Auction._meta.fields]

    @admin.action(description="Cancel the selected auctions (only those without bids)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        actor = cast(AuthenticatedHttpRequest, request).user
        _room_action(
            request,
            queryset,
            lambda auction: auction_cancel(actor=actor, auction_id=auction.pk),
            "Cancelled.",
        )


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ["auction", "seq", "bidder", "max_cents", "price_cents", "leader", "received_at", "source"]
    list_filter = ["source", "is_buy_now"]
    list_select_related = ["bidder", "leader"]
    search_fields = ["=auction__id", "bidder__email", "bidder__display_name", "=client_ref"]
    raw_id_fields = ["auction", "bidder", "leader"]


@admin.register(AuctionOffer)
class AuctionOfferAdmin(ReadOnlyAdmin):
    list_display = ["auction", "rank", "buyer", "amount_cents", "status", "pay_by", "order"]
    list_filter = ["status"]
    list_select_related = ["buyer", "order"]
    search_fields = ["=auction__id", "buyer__email"]
    raw_id_fields = ["auction", "buyer", "order"]


@admin.register(BidderStrike)
class BidderStrikeAdmin(ReadOnlyAdmin):
    list_display = ["user", "auction", "reason", "created_at"]
    search_fields = ["user__email", "=auction__id"]
    raw_id_fields = ["user", "auction"]


@admin.register(SellerAuctionDefaults)
class SellerAuctionDefaultsAdmin(ReadOnlyAdmin):
    list_display = ["seller", "updated_at"]
    search_fields = ["seller__email"]
    raw_id_fields = ["seller"]


# --- Giveaways: read-only, with the one action, the draw, going through the service -------------


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
