"""The shows API for the PWA: finding shows, the host's shows and schedules, follows and reminders."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.apis import IsSeller
from moderation.selectors import seller_moderator_list
from moderation.serializers import ModeratorInputSerializer, ModeratorOutputSerializer
from tokshop.core.apis import request_user, validated, validated_query
from tokshop.core.schema import errors

from . import serializers
from .models import Follow, Show, ShowReminder, ShowSchedule
from .selectors import (
    following_list,
    reminder_list,
    schedule_get_own,
    schedule_list_for_seller,
    show_get_for_viewer,
    show_get_own,
    show_list_for_seller,
    show_search,
)
from .services import lifecycle
from .services.follows import follow_create, follow_delete, reminder_create, reminder_delete
from .services.schedules import schedule_create, schedule_stop, schedule_update
from .services.shows import lineup_set, show_create, show_moderator_add, show_moderator_remove, show_update


def _viewer(request: Request) -> Any:
    return request.user if request.user.is_authenticated else AnonymousUser()


def _host_body(request: Request, show_id: int) -> Any:
    show = show_get_own(seller=request_user(request), show_id=show_id)
    return serializers.HostShowOutputSerializer(show, context={"request": request}).data


# --- Finding shows --------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        tags=["shows"],
        summary="Live and upcoming shows, or a search",
        description="Shows you may find: public ones, followers-only shows of sellers you follow, and your own; "
        "never private-link shows. Without filters, live shows first, then upcoming ones soonest first. `q` is a "
        'web-search query (`"exact phrase"`, `-word`, `or`) ranked over title, tags and description.',
        parameters=[serializers.ShowSearchInputSerializer],
        responses={200: serializers.ShowOutputSerializer(many=True), **errors(400)},
    )
)
class ShowListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = serializers.ShowOutputSerializer
    filter_backends: list[Any] = []
    queryset = Show.objects.none()

    def get_queryset(self) -> QuerySet[Show]:
        filters = validated_query(serializers.ShowSearchInputSerializer, self.request)
        return show_search(user=_viewer(self.request), query=filters.pop("q", ""), **filters)


class ShowDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["shows"],
        summary="One show, with its lineup",
        description="A followers-only show is for the seller's followers (403 `followers_only`); a private one for "
        "those with its link's `key` (403 `not_invited`).",
        parameters=[serializers.ShowDetailInputSerializer],
        responses={200: serializers.ShowOutputSerializer, **errors(400, 403, 404)},
    )
    def get(self, request: Request, show_id: int) -> Response:
        key = validated_query(serializers.ShowDetailInputSerializer, request).get("key")
        show = show_get_for_viewer(user=_viewer(request), show_id=show_id, key=key)
        return Response(serializers.ShowOutputSerializer(show, context={"request": request}).data)


# --- The host's shows -----------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        tags=["seller shows"],
        summary="Your shows, newest first",
        responses={200: serializers.HostShowOutputSerializer(many=True), **errors(401, 403)},
    )
)
class SellerShowListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    serializer_class = serializers.HostShowOutputSerializer
    filter_backends: list[Any] = []
    queryset = Show.objects.none()

    def get_queryset(self) -> QuerySet[Show]:
        return show_list_for_seller(seller=request_user(self.request)).prefetch_related("lineup__product")

    @extend_schema(
        tags=["seller shows"],
        summary="Schedule a show",
        description="`scheduled_start` is stored in UTC; send it with its offset. Your followers are told. "
        "`product_ids` are your own products for sale, in lineup order.",
        request=serializers.ShowInputSerializer,
        responses={201: serializers.HostShowOutputSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ShowInputSerializer, request)
        show = show_create(seller=request_user(request), **data)
        return Response(_host_body(request, show.pk), status=status.HTTP_201_CREATED)


class SellerShowDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller shows"],
        summary="One of your shows",
        responses={200: serializers.HostShowOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, show_id: int) -> Response:
        return Response(_host_body(request, show_id))

    @extend_schema(
        tags=["seller shows"],
        summary="Change one of your shows",
        description="Send only the fields to change, before or during the show (the start only before it). "
        "A show that is over answers 409 `show_over`; `seller`, `status` and the stamps are refused.",
        request=serializers.ShowUpdateInputSerializer,
        responses={200: serializers.HostShowOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, show_id: int) -> Response:
        data = validated(serializers.ShowUpdateInputSerializer, request, partial=True)
        show_update(seller=request_user(request), show_id=show_id, **data)
        return Response(_host_body(request, show_id))


class SellerShowLineupApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller shows"],
        summary="Set the lineup of one of your shows",
        description="The whole lineup, in order: products left out leave it, the others keep their click counts. "
        "Viewers in the room see the change at once. A show that is over answers 409 `show_over`.",
        request=serializers.LineupInputSerializer,
        responses={200: serializers.LineupItemOutputSerializer(many=True), **errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, show_id: int) -> Response:
        data = validated(serializers.LineupInputSerializer, request)
        items = lineup_set(seller=request_user(request), show_id=show_id, product_ids=data["product_ids"])
        return Response(serializers.LineupItemOutputSerializer(items, many=True).data)


class SellerShowThumbnailApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["seller shows"],
        summary="Set the thumbnail of one of your shows",
        description="Replaces the one it had. A show that is over answers 409 `show_over`.",
        request={"multipart/form-data": serializers.ThumbnailInputSerializer},
        responses={200: serializers.HostShowOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, show_id: int) -> Response:
        data = validated(serializers.ThumbnailInputSerializer, request)
        show_update(seller=request_user(request), show_id=show_id, thumbnail=data["image"])
        return Response(_host_body(request, show_id))

    @extend_schema(
        tags=["seller shows"],
        summary="Remove the thumbnail of one of your shows",
        responses={200: serializers.HostShowOutputSerializer, **errors(401, 403, 404, 409)},
    )
    def delete(self, request: Request, show_id: int) -> Response:
        show_update(seller=request_user(request), show_id=show_id, thumbnail_clear=True)
        return Response(_host_body(request, show_id))


class SellerShowModeratorListCreateApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller shows"],
        summary="The moderators you appointed for one of your shows",
        description="Moderators of all your shows are at /api/v1/seller/moderation/moderators/.",
        responses={200: ModeratorOutputSerializer(many=True), **errors(401, 403, 404)},
    )
    def get(self, request: Request, show_id: int) -> Response:
        show = show_get_own(seller=request_user(request), show_id=show_id)
        moderators = seller_moderator_list(seller=request_user(request), show_id=show.pk)
        return Response(ModeratorOutputSerializer(moderators, many=True).data)

    @extend_schema(
        tags=["seller shows"],
        summary="Appoint a moderator for one of your shows",
        description="The person, named by their account's e-mail, may mute, ban and lift sanctions in this show "
        "only; they are told. Appointing twice returns the same entry; an unknown address is 404.",
        request=ModeratorInputSerializer,
        responses={201: ModeratorOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, show_id: int) -> Response:
        data = validated(ModeratorInputSerializer, request)
        entry = show_moderator_add(seller=request_user(request), show_id=show_id, email=data["email"])
        return Response(ModeratorOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class SellerShowModeratorDeleteApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller shows"],
        summary="Remove a moderator from one of your shows",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, show_id: int, user_id: int) -> Response:
        show_moderator_remove(seller=request_user(request), show_id=show_id, moderator_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _SellerShowTransitionApi(APIView):
    """One lifecycle change of one of the seller's shows (each subclass names its service)."""

    permission_classes = [IsAuthenticated, IsSeller]
    service: Any

    def post(self, request: Request, show_id: int) -> Response:
        show_get_own(seller=request_user(request), show_id=show_id)
        type(self).service(actor=request_user(request), show_id=show_id)
        return Response(_host_body(request, show_id))


def _transition_schema(summary: str, description: str) -> Any:
    return extend_schema(
        tags=["seller shows"],
        summary=summary,
        description=description + " Repeating it changes nothing; from another status it is 409 `invalid_status`.",
        request=None,
        responses={200: serializers.HostShowOutputSerializer, **errors(401, 403, 404, 409)},
    )


@extend_schema_view(post=_transition_schema("Go live", "A scheduled show goes on air; followers and reminders hear."))
class SellerShowGoLiveApi(_SellerShowTransitionApi):
    service = staticmethod(lifecycle.show_go_live)


@extend_schema_view(post=_transition_schema("Pause the show", "A live show holds; the room stays open."))
class SellerShowPauseApi(_SellerShowTransitionApi):
    service = staticmethod(lifecycle.show_pause)


@extend_schema_view(post=_transition_schema("Resume the show", "A paused show goes back on air."))
class SellerShowResumeApi(_SellerShowTransitionApi):
    service = staticmethod(lifecycle.show_resume)


@extend_schema_view(post=_transition_schema("End the show", "A show on air ends; it may go live again for 2 hours."))
class SellerShowEndApi(_SellerShowTransitionApi):
    service = staticmethod(lifecycle.show_end)


@extend_schema_view(post=_transition_schema("Cancel the show", "A show that has not started is called off."))
class SellerShowCancelApi(_SellerShowTransitionApi):
    service = staticmethod(lifecycle.show_cancel)


@extend_schema_view(
    post=_transition_schema("Go live again", "A show that ended less than 2 hours ago goes back on air.")
)
class SellerShowRestartApi(_SellerShowTransitionApi):
    service = staticmethod(lifecycle.show_restart)


# --- Recurring schedules --------------------------------------------------------------------


def _schedule_body(request: Request, schedule_id: int) -> Any:
    schedule = schedule_get_own(seller=request_user(request), schedule_id=schedule_id)
    return serializers.ScheduleOutputSerializer(schedule).data


@extend_schema_view(
    get=extend_schema(
        tags=["seller shows"],
        summary="Your recurring shows",
        responses={200: serializers.ScheduleOutputSerializer(many=True), **errors(401, 403)},
    )
)
class SellerScheduleListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    serializer_class = serializers.ScheduleOutputSerializer
    filter_backends: list[Any] = []
    queryset = ShowSchedule.objects.none()

    def get_queryset(self) -> QuerySet[ShowSchedule]:
        return schedule_list_for_seller(seller=request_user(self.request)).prefetch_related("lineup")

    @extend_schema(
        tags=["seller shows"],
        summary="Set up a recurring show",
        description="Daily, or weekly on `weekdays`, at `time_of_day` in `time_zone` (the same wall-clock time in "
        "summer and winter), from `starts_on` until `ends_on`. Its shows are made two weeks ahead with this "
        "template and lineup; followers are told once.",
        request=serializers.ScheduleInputSerializer,
        responses={201: serializers.ScheduleOutputSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ScheduleInputSerializer, request)
        schedule = schedule_create(seller=request_user(request), **data)
        return Response(_schedule_body(request, schedule.pk), status=status.HTTP_201_CREATED)


class SellerScheduleDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller shows"],
        summary="One of your recurring shows",
        responses={200: serializers.ScheduleOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, schedule_id: int) -> Response:
        return Response(_schedule_body(request, schedule_id))

    @extend_schema(
        tags=["seller shows"],
        summary="Change one of your recurring shows",
        description="Its upcoming shows follow: those still on the pattern take the new template, the others are "
        "cancelled, missing ones are made. A stopped schedule answers 409 `schedule_stopped`.",
        request=serializers.ScheduleInputSerializer,
        responses={200: serializers.ScheduleOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, schedule_id: int) -> Response:
        data = validated(serializers.ScheduleInputSerializer, request, partial=True)
        schedule_update(seller=request_user(request), schedule_id=schedule_id, **data)
        return Response(_schedule_body(request, schedule_id))


class SellerScheduleStopApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller shows"],
        summary="Stop a recurring show",
        description="No more shows are made and its upcoming ones are cancelled. Stopping it again changes nothing.",
        request=None,
        responses={200: serializers.ScheduleOutputSerializer, **errors(401, 403, 404)},
    )
    def post(self, request: Request, schedule_id: int) -> Response:
        schedule_stop(seller=request_user(request), schedule_id=schedule_id)
        return Response(_schedule_body(request, schedule_id))


# --- Follows and reminders ------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        tags=["follows"],
        summary="The sellers you follow",
        responses={200: serializers.FollowOutputSerializer(many=True), **errors(401)},
    )
)
class FollowingListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.FollowOutputSerializer
    filter_backends: list[Any] = []
    queryset = Follow.objects.none()

    def get_queryset(self) -> QuerySet[Follow]:
        return following_list(user=request_user(self.request))


SELLER_ID = OpenApiParameter("seller_id", int, OpenApiParameter.PATH, description="The seller's user id.")


class SellerFollowApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["follows"],
        summary="Follow a seller",
        description="You hear when they schedule a show and when they go live. Following twice changes nothing; "
        "yourself is 400 `self_follow`.",
        parameters=[SELLER_ID],
        request=None,
        responses={200: serializers.FollowOutputSerializer, **errors(400, 401, 404)},
    )
    def put(self, request: Request, seller_id: int) -> Response:
        follow = follow_create(follower=request_user(request), seller_id=seller_id)
        return Response(serializers.FollowOutputSerializer(follow).data)

    @extend_schema(
        tags=["follows"],
        summary="Stop following a seller",
        parameters=[SELLER_ID],
        responses={204: None, **errors(401)},
    )
    def delete(self, request: Request, seller_id: int) -> Response:
        follow_delete(follower=request_user(request), seller_id=seller_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        tags=["follows"],
        summary="Your reminders of shows that have not started",
        responses={200: serializers.ReminderOutputSerializer(many=True), **errors(401)},
    )
)
class ReminderListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.ReminderOutputSerializer
    filter_backends: list[Any] = []
    queryset = ShowReminder.objects.none()

    def get_queryset(self) -> QuerySet[ShowReminder]:
        return reminder_list(user=request_user(self.request)).prefetch_related("show__lineup__product")


class ShowReminderApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["follows"],
        summary="Remind me when this show goes live",
        description="Only for a show that has not started (409 `not_upcoming`) and that you may watch (403). "
        "Asking twice changes nothing.",
        request=serializers.ReminderInputSerializer,
        responses={200: serializers.ReminderOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, show_id: int) -> Response:
        data = validated(serializers.ReminderInputSerializer, request)
        reminder = reminder_create(user=request_user(request), show_id=show_id, key=data.get("key"))
        return Response(serializers.ReminderOutputSerializer(reminder).data)

    @extend_schema(
        tags=["follows"],
        summary="No reminder for this show",
        responses={204: None, **errors(401)},
    )
    def delete(self, request: Request, show_id: int) -> Response:
        reminder_delete(user=request_user(request), show_id=show_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
