from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import validated_query
from tokshop.core.schema import errors

from . import serializers_chat as serializers
from .events_chat import chat_message_payload
from .selectors import show_get, show_get_for_viewer
from .selectors_chat import chat_message_list, show_stats_get


class ShowMessageListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["shows"],
        summary="A show's chat history",
        description="The newest messages (not deleted), oldest first; page back with `before` (the first id you "
        "have). Whoever may watch the show may read its chat: followers-only shows answer 403 to others, private "
        "ones need their link's `key`.",
        parameters=[serializers.ChatHistoryInputSerializer],
        responses={200: serializers.ChatMessageOutputSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, show_id: int) -> Response:
        query = validated_query(serializers.ChatHistoryInputSerializer, request)
        show = show_get_for_viewer(user=request.user, show_id=show_id, key=query.get("key"))
        messages = chat_message_list(show_id=show.pk, before=query.get("before"), limit=query["limit"])
        return Response([chat_message_payload(message) for message in messages])


class ShowStatsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["shows"],
        summary="A show's audience and sales figures",
        description="For its host and its moderators (403 `not_moderator` for anyone else): live while it is on "
        "air, kept after it ends.",
        responses={200: serializers.ShowStatsOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, show_id: int) -> Response:
        stats = show_stats_get(user=request.user, show=show_get(show_id=show_id))
        return Response(serializers.ShowStatsOutputSerializer(stats).data)
