"""The API of settlement: a seller's audit trail of an auction, a buyer's offers and their answers."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.apis import IsSeller
from shows.apis_interact import ShippingInputSerializer
from tokshop.core.apis import request_user, validated
from tokshop.core.errors import NotFound
from tokshop.core.schema import errors

from .models import AuctionEvent, AuctionEventKind, AuctionOffer, OfferStatus
from .selectors_settlement import auction_event_list, auction_get_for_seller, offer_get_for_buyer, offer_list_for_buyer
from .services.settlement import offer_accept, offer_refuse


class AuctionEventOutputSerializer(serializers.ModelSerializer[AuctionEvent]):
    kind = serializers.ChoiceField(choices=AuctionEventKind.choices)
    actor = serializers.SerializerMethodField(help_text="Who acted; null for Tokshop itself (a task, the sweep).")
    data = serializers.DictField(  # type: ignore[assignment]  # a model field named like Serializer.data
        help_text="The offer concerned: offer_id, rank, buyer_id, amount_cents, order_id."
    )

    class Meta:
        model = AuctionEvent
        fields = ["id", "kind", "actor", "note", "data", "at"]

    def get_actor(self, event: AuctionEvent) -> str | None:
        return event.actor.display_name if event.actor else None


class OfferOutputSerializer(serializers.ModelSerializer[AuctionOffer]):
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    auction_id = serializers.IntegerField()
    product_title = serializers.CharField(source="auction.product.title")
    currency = serializers.CharField(source="auction.currency")
    is_second_chance = serializers.BooleanField()
    order_id = serializers.IntegerField(allow_null=True)
    pay_url = serializers.SerializerMethodField(help_text="The order's page, where it is paid; null before the order.")

    class Meta:
        model = AuctionOffer
        fields = [
            "id",
            "auction_id",
            "product_title",
            "rank",
            "is_second_chance",
            "amount_cents",
            "currency",
            "status",
            "pay_by",
            "message",
            "order_id",
            "pay_url",
            "created_at",
        ]

    def get_pay_url(self, offer: AuctionOffer) -> str | None:
        return offer.order.get_absolute_url() if offer.order else None


class OfferAcceptInputSerializer(serializers.Serializer):
    shipping = ShippingInputSerializer(
        required=False, help_text="Where to ship; without it the order ships to the address of your last order."
    )


@extend_schema_view(
    get=extend_schema(
        tags=["auctions"],
        summary="An auction's settlement timeline (your auctions only)",
        description="Every step after the close, oldest first: offers, charges, payment asked, declines, "
        "expiries, strikes, second chances, paid or unsold. Someone else's auction answers 404.",
        responses={200: AuctionEventOutputSerializer(many=True), **errors(401, 403, 404)},
    )
)
class SellerAuctionEventListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    serializer_class = AuctionEventOutputSerializer
    filter_backends: list[Any] = []
    queryset = AuctionEvent.objects.none()

    def get_queryset(self) -> QuerySet[AuctionEvent]:
        auction = auction_get_for_seller(seller=request_user(self.request), auction_id=self.kwargs["auction_id"])
        if auction is None:
            raise NotFound("No such auction.")
        return auction_event_list(auction=auction)


@extend_schema_view(
    get=extend_schema(
        tags=["auctions"],
        summary="Your auction offers: lots you won and second chances, newest first",
        responses={200: OfferOutputSerializer(many=True), **errors(401)},
    )
)
class OfferListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OfferOutputSerializer
    filter_backends: list[Any] = []
    queryset = AuctionOffer.objects.none()

    def get_queryset(self) -> QuerySet[AuctionOffer]:
        return offer_list_for_buyer(buyer=request_user(self.request))


def _offer_answer(request: Request, offer_id: int) -> Response:
    offer = offer_get_for_buyer(buyer=request_user(request), offer_id=offer_id)
    assert offer is not None  # the service just found it as the caller's
    return Response(OfferOutputSerializer(offer).data)


class OfferAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auctions"],
        summary="Accept a second-chance offer (or give the address a won lot needs)",
        description=(
            "Makes the order at the offer's price and charges your saved card; without one the offer awaits "
            "payment at `pay_url` until `pay_by`. Accepting again changes nothing. Refusals: `address_required` "
            "(send `shipping`), `offer_expired` (409), `offer_closed` (409), someone else's offer 404."
        ),
        request=OfferAcceptInputSerializer,
        responses={200: OfferOutputSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, offer_id: int) -> Response:
        data = validated(OfferAcceptInputSerializer, request)
        shipping = data.get("shipping")
        offer_accept(
            buyer=request_user(request),
            offer_id=offer_id,
            shipping=dict(shipping) if shipping is not None else None,
        )
        return _offer_answer(request, offer_id)


class OfferRefuseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auctions"],
        summary="Turn a second-chance offer down",
        description="It goes on to the next bidder; no strike. Refusing again changes nothing. Refusals: "
        "`offer_expired` (409), `offer_closed` (409: not a second chance waiting for an answer), someone else's "
        "offer 404.",
        request=None,
        responses={200: OfferOutputSerializer, **errors(401, 404, 409)},
    )
    def post(self, request: Request, offer_id: int) -> Response:
        offer_refuse(buyer=request_user(request), offer_id=offer_id)
        return _offer_answer(request, offer_id)
