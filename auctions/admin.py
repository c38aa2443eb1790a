"""Auctions in the admin: read-only records of what the engine decided, with the audit trail beside
them. The one change made here, cancelling an auction nobody has bid on, goes through the service."""

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from shows.admin import ReadOnlyAdmin, _room_action
from tokshop.core.http import AuthenticatedHttpRequest

from .models import Auction, AuctionEvent, AuctionOffer, Bid, BidderStrike, SellerAuctionDefaults
from .services.auctions import auction_cancel


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
