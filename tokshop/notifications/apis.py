from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.schema import errors

from .models import Notification
from .selectors import notification_email_preferences, notification_list, notification_unread_count
from .serializers import (
    NotificationOutputSerializer,
    PreferencesSerializer,
    ReadManyInputSerializer,
    ReadOutputSerializer,
    UnreadCountOutputSerializer,
)
from .services import notification_mark_read, notification_preferences_update


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread ones")

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


@extend_schema_view(get=extend_schema(tags=["notifications"], summary="Your notifications, newest first"))
class NotificationListApi(generics.ListAPIView):
    serializer_class = NotificationOutputSerializer
    filterset_class = NotificationFilter
    # Tells the schema generator the model; every request goes through get_queryset.
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        return notification_list(user=request_user(self.request))


class NotificationUnreadCountApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="How many are unread",
        responses={200: UnreadCountOutputSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return Response({"unread_count": notification_unread_count(user=request_user(request))})


class NotificationReadApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark notifications read",
        description="Marks the given `ids` read, or every notification when `ids` is left out.",
        request=ReadManyInputSerializer,
        responses={200: ReadOutputSerializer, **errors(400, 401)},
    )
    def post(self, request: Request) -> Response:
        data = validated(ReadManyInputSerializer, request)
        changed = notification_mark_read(user=request_user(request), ids=data.get("ids"))
        return Response({"changed": changed, "unread_count": notification_unread_count(user=request_user(request))})


class NotificationPreferencesApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Which kinds you get by e-mail",
        responses={200: PreferencesSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(notification_email_preferences(user=request_user(request)))

    @extend_schema(
        tags=["notifications"],
        summary="Choose which kinds you get by e-mail",
        description="Security alerts are always e-mailed.",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **errors(400, 401)},
    )
    def patch(self, request: Request) -> Response:
        data = validated(PreferencesSerializer, request, partial=True)
        return Response(notification_preferences_update(user=request_user(request), email=data))
