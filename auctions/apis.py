"""The auctions API for the PWA: a show's auctions, bidding, buying now, and the host's controls.

Bids placed here follow the same rules, checks and order as bids from the room's socket: refused
with the same codes, stored before they are answered, announced in the room.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.apis import IsSeller
from shows.selectors import show_get_for_viewer
from tokshop.core.apis import request_user, validated
from tokshop.core.schema import errors
from tokshop.realtime.envelope import server_time_ms

from . import serializers
from .models import Auction, AuctionStatus
from .selectors import (
    auction_get_for_viewer,
    auction_list_for_bidder,
    auction_list_for_show,
    auction_view,
    bid_list_for_auction,
    increments_for_seller,
)
from .services import auctions as lifecycle
from .services.bidding import bid_place_sync, bid_request

KEY_PARAMETER = OpenApiParameter("key", str, description="The secret of a private show's link.")
BID_REFUSALS = (
    "Refusals (409 unless said): `too_low` (with `next_minimum_cents`), `confirm_required` (with "
    "`confirm_amount_cents`: send again with `confirm: true`), `max_below_price`, `not_open`, `ended` (received "
    "at or after the end, by the server's clock), `buy_now_unavailable`, `bid_not_recorded` (place it again); 400 "
    "`invalid_amount`, `invalid_bid`, `unexpected_field` (the body names a field the bid does not take, such as a "
    "bidder); 403 `own_lot`, `linked_account`, `not_allowed`, `no_payment_method`; 404 `auction_not_found`; 429 "
    "`rate_limited`; 503 `bid_not_recorded` (the bid could not be confirmed: place it again with the same ref)."
)


def _viewer(request: Request) -> Any:
    return request.user if request.user.is_authenticated else AnonymousUser()


def _viewer_id(request: Request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


class ShowAuctionListCreateApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=["auctions"],
        summary="A show's auctions, newest first",
        parameters=[KEY_PARAMETER],
        responses={200: serializers.AuctionOutputSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, show_id: int) -> Response:
        show = show_get_for_viewer(user=_viewer(request), show_id=show_id, key=request.query_params.get("key"))
        auctions = auction_list_for_show(show_id=show.pk)[:100]
        body = [auction_view(auction, viewer_id=_viewer_id(request)) for auction in auctions]
        return Response(serializers.AuctionOutputSerializer(body, many=True).data)

    @extend_schema(
        tags=["auctions"],
        summary="Put a lineup product up for auction (the host or the show's moderators)",
        description=(
            "With `open_now` (default) the show must be on air and the countdown starts; otherwise the auction "
            "waits (taking pre-bids if `allow_prebids`). Refusals: `not_host` (403), `not_in_lineup` (404), "
            "`not_on_air`, `auction_running`, `auction_exists`, `sold_out`, `not_sold`, `show_over` (409), "
            "`invalid` with `fields` (400)."
        ),
        request=serializers.AuctionCreateInputSerializer,
        responses={201: serializers.AuctionOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, show_id: int) -> Response:
        data = validated(serializers.AuctionCreateInputSerializer, request)
        product_id, open_now = data.pop("product_id"), data.pop("open_now")
        auction = lifecycle.auction_create(
            actor=request_user(request), show_id=show_id, product_id=product_id, data=data, open_now=open_now
        )
        response = _auction_body(request, auction)
        response.status_code = status.HTTP_201_CREATED
        return response


class AuctionDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auctions"],
        summary="An auction, with your max and whether you lead when signed in",
        parameters=[KEY_PARAMETER],
        responses={200: serializers.AuctionOutputSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, auction_id: int) -> Response:
        auction = auction_get_for_viewer(
            user=_viewer(request), auction_id=auction_id, key=request.query_params.get("key")
        )
        return Response(serializers.AuctionOutputSerializer(auction_view(auction, viewer_id=_viewer_id(request))).data)


def _auction_body(request: Request, auction: Auction) -> Response:
    body = auction_view(auction_get_for_viewer(user=request.user, auction_id=auction.pk))
    return Response(serializers.AuctionOutputSerializer(body).data)


class AuctionOpenApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auctions"],
        summary="Open a waiting auction (the host or the show's moderators)",
        description=(
            "Its pre-bids count. Refusals: `not_host` (403), `not_on_air`, `not_waiting`, `auction_running` (409)."
        ),
        request=None,
        responses={200: serializers.AuctionOutputSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, auction_id: int) -> Response:
        return _auction_body(request, lifecycle.auction_open(actor=request_user(request), auction_id=auction_id))


class AuctionCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auctions"],
        summary="Withdraw an auction before its first bid (the host or the show's moderators)",
        description="Refusals: `not_host` (403), `has_bids`, `auction_over` (409).",
        request=None,
        responses={200: serializers.AuctionOutputSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, auction_id: int) -> Response:
        return _auction_body(request, lifecycle.auction_cancel(actor=request_user(request), auction_id=auction_id))


class AuctionBidListCreateApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=["auctions"],
        summary="An auction's bids, newest first (the price each left; maxes stay private)",
        parameters=[KEY_PARAMETER],
        responses={200: serializers.BidOutputSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, auction_id: int) -> Response:
        auction = auction_get_for_viewer(
            user=_viewer(request), auction_id=auction_id, key=request.query_params.get("key")
        )
        return Response(serializers.BidOutputSerializer(bid_list_for_auction(auction_id=auction.pk), many=True).data)

    @extend_schema(
        tags=["auctions"],
        summary="Bid: your max (proxy bid)",
        description="The price rises only as far as other bidders make it, up to your max. " + BID_REFUSALS,
        request=serializers.BidInputSerializer,
        responses={201: serializers.BidAcceptedSerializer, **errors(400, 401, 403, 404, 409, 429, 503)},
    )
    def post(self, request: Request, auction_id: int) -> Response:
        received_ms = server_time_ms()
        data = validated(serializers.BidInputSerializer, request)
        auction_get_for_viewer(user=request.user, auction_id=auction_id)
        result = bid_place_sync(
            bid_request(
                user_id=request_user(request).pk,
                auction_id=auction_id,
                amount=data["amount_cents"],
                ref=data["ref"],
                received_ms=received_ms,
                confirm=data["confirm"],
                source="api",
            )
        )
        return Response(serializers.BidAcceptedSerializer(result.reply()).data, status=status.HTTP_201_CREATED)


class AuctionBuyNowApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auctions"],
        summary="Buy the lot at its buy-it-now price, which ends the auction",
        description="Open while the price is below the buy-it-now price. " + BID_REFUSALS,
        request=serializers.BuyNowInputSerializer,
        responses={201: serializers.BidAcceptedSerializer, **errors(400, 401, 403, 404, 409, 429, 503)},
    )
    def post(self, request: Request, auction_id: int) -> Response:
        received_ms = server_time_ms()
        data = validated(serializers.BuyNowInputSerializer, request)
        auction_get_for_viewer(user=request.user, auction_id=auction_id)
        request_ = bid_request(
            user_id=request_user(request).pk,
            auction_id=auction_id,
            amount=None,
            ref=data["ref"],
            received_ms=received_ms,
            source="api",
            buy_now=True,
        )
        result = bid_place_sync(request_)
        return Response(serializers.BidAcceptedSerializer(result.reply()).data, status=status.HTTP_201_CREATED)


class MyAuctionListApi(generics.ListAPIView):
    """The auctions you bid on, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MyAuctionOutputSerializer
    queryset = Auction.objects.none()

    @extend_schema(tags=["auctions"], summary="The auctions you bid on, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Auction]:
        return auction_list_for_bidder(bidder_id=request_user(self.request).pk)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            user_id = request_user(self.request).pk
            rows = [
                {
                    "id": a.pk,
                    "show_id": a.show_id,
                    "product_title": a.product.title,
                    "status": a.status,
                    "outcome": a.outcome,
                    "price_cents": a.price_cents,
                    "your_max_cents": a.your_max_cents,
                    "won": a.status == AuctionStatus.CLOSED and a.winner_id == user_id,
                    "closed_at": a.closed_at,
                }
                for a in args[0]
            ]
            return serializers.MyAuctionOutputSerializer(rows, many=True)
        return super().get_serializer(*args, **kwargs)


class SellerIncrementsApi(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        tags=["auctions"],
        summary="Your bid increment table (for the auctions you make from now on)",
        responses={200: serializers.IncrementsSerializer, **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response({"increments": increments_for_seller(seller_id=request_user(request).pk)})

    @extend_schema(
        tags=["auctions"],
        summary="Replace your bid increment table",
        description="Rows of [from_cents, step_cents]: the first from 0, ascending, steps of 1 to 1,000,000 cents.",
        request=serializers.IncrementsSerializer,
        responses={200: serializers.IncrementsSerializer, **errors(400, 401, 403)},
    )
    def put(self, request: Request) -> Response:
        data = validated(serializers.IncrementsSerializer, request)
        defaults = lifecycle.increments_set(seller=request_user(request), table=data["increments"])
        return Response({"increments": defaults.increments})
