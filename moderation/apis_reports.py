from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.schema import errors

from . import serializers_reports as serializers
from .models import HeldMessage, Report
from .selectors import held_message_list_for_moderator, report_list_for_reporter
from .services.held import held_message_release, held_message_remove
from .services.reports import report_create


@extend_schema_view(
    get=extend_schema(
        tags=["reports"],
        summary="Your reports, newest first",
        description="Each with its status: open until a moderator upholds or dismisses it.",
        responses={200: serializers.ReportOutputSerializer(many=True), **errors(401)},
    )
)
class ReportListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.ReportOutputSerializer
    filter_backends: list[Any] = []
    queryset = Report.objects.none()

    def get_queryset(self) -> QuerySet[Report]:
        return report_list_for_reporter(reporter=request_user(self.request))

    @extend_schema(
        tags=["reports"],
        summary="Report a person, a product, a message or a show",
        description="Tokshop's moderators look at every report; you are told when they decide. Reporting the same "
        "thing again returns your first report (200) and changes nothing. Something that does not exist, or that "
        "you cannot see, is 404; reporting yourself or what you posted is 400.",
        request=serializers.ReportInputSerializer,
        responses={
            200: serializers.ReportOutputSerializer,
            201: serializers.ReportOutputSerializer,
            **errors(400, 401, 404),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ReportInputSerializer, request)
        report, created = report_create(
            reporter=request_user(request),
            kind=data["kind"],
            object_id=data["id"],
            reason=data["reason"],
            details=data["details"],
        )
        body = serializers.ReportOutputSerializer(report).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    get=extend_schema(
        tags=["moderation"],
        summary="Held messages waiting in the shows you moderate",
        description="Messages the check held (phone numbers, payment handles, links from new accounts…), newest "
        "first: your own shows', those of sellers who appointed you, or every show for Tokshop's moderators.",
        responses={200: serializers.HeldMessageOutputSerializer(many=True), **errors(401)},
    )
)
class HeldMessageListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.HeldMessageOutputSerializer
    filter_backends: list[Any] = []
    queryset = HeldMessage.objects.none()

    def get_queryset(self) -> QuerySet[HeldMessage]:
        return held_message_list_for_moderator(actor=request_user(self.request))


class HeldMessageReleaseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["moderation"],
        summary="Show a held message",
        description="Only in the shows you moderate (403 elsewhere); a message already decided is 409.",
        request=None,
        responses={200: serializers.HeldMessageOutputSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, held_id: int) -> Response:
        held = held_message_release(actor=request_user(request), held_id=held_id)
        return Response(serializers.HeldMessageOutputSerializer(held).data)


class HeldMessageRemoveApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["moderation"],
        summary="Remove a held message",
        description="It is never shown; the sender is told the reason (the check's, if you give none). Only in the "
        "shows you moderate (403 elsewhere); a message already decided is 409.",
        request=serializers.HeldMessageRemoveInputSerializer,
        responses={200: serializers.HeldMessageOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, held_id: int) -> Response:
        data = validated(serializers.HeldMessageRemoveInputSerializer, request)
        held = held_message_remove(actor=request_user(request), held_id=held_id, reason=data["reason"])
        return Response(serializers.HeldMessageOutputSerializer(held).data)
