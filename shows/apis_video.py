"""API of the show's video: a token for its LiveKit room, and LiveKit's webhook."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.serializers import StrictInputSerializer
from tokshop.core.apis import validated
from tokshop.core.errors import NotFound
from tokshop.core.schema import errors

from .livekit import livekit_enabled
from .services.video import VIDEO_TOKEN_TTL, video_token_issue, video_webhook_receive


class VideoTokenInputSerializer(StrictInputSerializer):
    key = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="The secret of a private show's link (`?key=`)."
    )


class VideoTokenOutputSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The LiveKit server to connect to (wss://…).")
    token = serializers.CharField(help_text="The access token (a JWT) for that one room.")
    room = serializers.CharField()
    identity = serializers.CharField(help_text="Who the token is for in the room; new with every token.")
    can_publish = serializers.BooleanField(help_text="True for the host (camera and microphone) only.")
    expires_at = serializers.DateTimeField(help_text="Join before then; a joined participant stays.")


class VideoWebhookOutputSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="True when this event was delivered before: nothing changed.")


class ShowVideoTokenApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["shows"],
        summary="A token to watch (or, for the host, broadcast) the show's video",
        description=(
            "For the show's LiveKit room, valid for "
            f"{int(VIDEO_TOKEN_TTL.total_seconds() // 60)} minutes to join. The host may publish camera and "
            "microphone; everyone else, the show's moderators included, may only watch. Nobody may send "
            "data over the video connection: the room's socket carries everything said. The room's entry "
            "rules apply: 403 `banned`, `followers_only`, `not_invited` (send the private link's `key`); "
            "409 `show_not_on_air`, or `video_unavailable` when this site runs its shows without video."
        ),
        parameters=[OpenApiParameter("show_id", int, OpenApiParameter.PATH)],
        request=VideoTokenInputSerializer,
        responses={200: VideoTokenOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, show_id: int) -> Response:
        data = validated(VideoTokenInputSerializer, request)
        token = video_token_issue(user=request.user, show_id=show_id, key=data.get("key") or None)
        return Response(VideoTokenOutputSerializer(token).data)


class LiveKitWebhookApi(APIView):
    """LiveKit's deliveries: no session, no CSRF (LiveKit signs a hash of the body instead)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["webhooks"],
        summary="LiveKit webhook endpoint",
        description=(
            "Takes LiveKit's room and participant events, signed with the API key's secret (a JWT in "
            "`Authorization` carrying the body's SHA-256). A missing, forged or expired token, or an "
            "altered body, is refused with 401 and nothing is stored; each event is applied once, "
            "whatever the number of deliveries."
        ),
        request={"application/webhook+json": {"type": "object"}, "application/json": {"type": "object"}},
        responses={200: VideoWebhookOutputSerializer, **errors(401, 404)},
    )
    def post(self, request: Request) -> Response:
        if not livekit_enabled():
            raise NotFound("LiveKit is not configured on this site.")
        # The signature covers the exact bytes LiveKit sent, so the body is never parsed first.
        body = request._request.body.decode("utf-8", errors="replace")
        _, created = video_webhook_receive(body=body, authorization=request.headers.get("Authorization", ""))
        return Response({"received": True, "duplicate": not created})
