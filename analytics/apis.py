from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .metrics import REGISTRY
from .services import health_report

HealthSerializer = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "checks": serializers.DictField(
            child=serializers.DictField(), help_text="database, redis, channel_layer, celery, migrations"
        ),
    },
)


class OperationsApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []


class HealthApi(OperationsApi):
    @extend_schema(
        tags=["operations"],
        summary="Health of the site and its services",
        description=(
            "200 when healthy, 200 with `degraded` when a non-critical part is down, 503 when the database is down."
        ),
        responses={200: HealthSerializer, 503: HealthSerializer},
        examples=[
            OpenApiExample(
                "healthy",
                value={"status": "ok", "checks": {"database": {"status": "ok", "latency_ms": 0.6}}},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        status, body = health_report()
        return Response(body, status=status, headers={"Cache-Control": "no-store"})


class MetricsApi(OperationsApi):
    @extend_schema(
        tags=["operations"],
        summary="Prometheus metrics",
        description="Request latency by route, open WebSocket connections, Celery task outcomes.",
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
