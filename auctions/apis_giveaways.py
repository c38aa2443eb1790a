"""The API of giveaways, for the PWA: the host starts and draws, members enter, anyone who may
watch the show lists its giveaways."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shows.selectors import show_get_for_viewer
from tokshop.core.apis import request_user, validated
from tokshop.core.schema import errors

from .events_giveaways import giveaway_payload
from .models import EntryMethod, Giveaway, GiveawayEntryKind, GiveawayStatus
from .models.giveaways import GIVEAWAY_SECONDS_MAX, GIVEAWAY_SECONDS_MIN
from .selectors_giveaways import giveaway_list_for_show
from .services.giveaways import giveaway_draw, giveaway_enter, giveaway_start

KEY_PARAMETER = OpenApiParameter("key", str, description="The secret of a private show's link.")


class GiveawayProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    price_cents = serializers.IntegerField()
    currency = serializers.CharField()
    url = serializers.CharField()


class GiveawayWinnerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GiveawayOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    show_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=GiveawayStatus.choices)
    entry = serializers.ChoiceField(choices=GiveawayEntryKind.choices)
    product = GiveawayProductOutputSerializer()
    started_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="When entries close, by the server's clock.")
    drawn_at = serializers.DateTimeField(allow_null=True)
    entrants = serializers.IntegerField()
    winner = GiveawayWinnerOutputSerializer(allow_null=True)
    seed = serializers.CharField(allow_null=True, help_text="Published once drawn; the rules page says how to check.")
    rules_url = serializers.CharField()

    def to_representation(self, instance: Giveaway) -> dict[str, Any]:
        return giveaway_payload(instance)


class GiveawayStartInputSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(min_value=1, help_text="The lineup item whose product is given away.")
    entry = serializers.ChoiceField(choices=GiveawayEntryKind.choices, default=GiveawayEntryKind.ROOM)
    seconds = serializers.IntegerField(min_value=GIVEAWAY_SECONDS_MIN, max_value=GIVEAWAY_SECONDS_MAX)


@extend_schema_view(
    get=extend_schema(
        tags=["giveaways"],
        summary="A show's giveaways, newest first",
        parameters=[KEY_PARAMETER],
        responses={200: GiveawayOutputSerializer(many=True), **errors(403, 404)},
    )
)
class ShowGiveawayListCreateApi(generics.ListAPIView):
    serializer_class = GiveawayOutputSerializer
    queryset = Giveaway.objects.none()
    filter_backends: list[Any] = []

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self) -> QuerySet[Giveaway]:
        show = show_get_for_viewer(
            user=self.request.user, show_id=self.kwargs["show_id"], key=self.request.query_params.get("key")
        )
        return giveaway_list_for_show(show_id=show.pk)

    @extend_schema(
        tags=["giveaways"],
        summary="Start a giveaway (the host or the show's moderators)",
        description=(
            "Gives one unit of a lineup product away; entries close after `seconds` (10 to 300) and the "
            "winner is drawn then. Refusals: `not_host` (403), `not_in_lineup` (404), `not_on_air`, "
            "`giveaway_running`, `sold_out` (409)."
        ),
        request=GiveawayStartInputSerializer,
        responses={201: GiveawayOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, show_id: int) -> Response:
        data = validated(GiveawayStartInputSerializer, request)
        giveaway = giveaway_start(actor=request_user(request), show_id=show_id, **data)
        return Response(GiveawayOutputSerializer(giveaway).data, status=status.HTTP_201_CREATED)


class GiveawayEntryOutputSerializer(serializers.Serializer):
    giveaway_id = serializers.IntegerField()
    method = serializers.ChoiceField(choices=EntryMethod.choices)
    created_at = serializers.DateTimeField()


class GiveawayEnterApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["giveaways"],
        summary="Enter a giveaway, free",
        description=(
            "One entry per person; it counts as the free entry form does (no watching, no purchase). "
            "Refusals: `giveaway_not_running`, `giveaway_ended`, `already_entered` (409), `followers_only`, "
            "`own_giveaway`, `banned` (403), and 404 for a giveaway whose show you may not watch."
        ),
        request=None,
        parameters=[KEY_PARAMETER],
        responses={201: GiveawayEntryOutputSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, giveaway_id: int) -> Response:
        received_at = timezone.now()
        entry = giveaway_enter(
            user=request_user(request),
            giveaway_id=giveaway_id,
            method=EntryMethod.FREE_FORM,
            received_at=received_at,
            key=request.query_params.get("key"),
        )
        body = {"giveaway_id": entry.giveaway_id, "method": entry.method, "created_at": entry.created_at}
        return Response(GiveawayEntryOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class GiveawayDrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["giveaways"],
        summary="Draw now (the host or the show's moderators)",
        description=(
            "Closes entries now and draws the winner, whose order is made at no charge. Drawing again "
            "answers the same result: one winner, one order. With no entries the giveaway is cancelled."
        ),
        request=None,
        responses={200: GiveawayOutputSerializer, **errors(401, 403, 404)},
    )
    def post(self, request: Request, giveaway_id: int) -> Response:
        giveaway = giveaway_draw(actor=request_user(request), giveaway_id=giveaway_id)
        return Response(GiveawayOutputSerializer(giveaway).data)
