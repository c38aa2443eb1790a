from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.apis import IsSeller
from tokshop.core.apis import request_user, validated, validated_query
from tokshop.core.errors import PermissionDenied
from tokshop.core.schema import errors
from tokshop.users.selectors import seller_profile_get

from . import serializers
from .models import Appeal, Sanction
from .selectors import (
    appeal_list_for_moderator,
    appeal_list_for_user,
    is_staff_moderator,
    mute_word_list_for_seller,
    pattern_list_for_seller,
    sanction_list_for_moderator,
    sanction_list_for_user,
    seller_list_moderated_by,
    seller_moderator_list,
    slow_mode_list_for_seller,
    verification_request_latest,
)
from .services.appeals import appeal_create, appeal_decide
from .services.moderators import seller_moderator_appoint_by_email, seller_moderator_remove
from .services.rules import mute_word_add, mute_word_remove, pattern_add, pattern_remove, slow_mode_set
from .services.sanctions import sanction_impose_by_ids, sanction_lift
from .services.verification import verification_request_submit


class SellerMuteWordListCreateApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="Words muted in your shows",
        responses={200: serializers.MuteWordOutputSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        words = mute_word_list_for_seller(seller=request_user(request))
        return Response(serializers.MuteWordOutputSerializer(words, many=True).data)

    @extend_schema(
        tags=["seller moderation"],
        summary="Mute a word in your shows",
        description="Messages with the word (after normalising leetspeak, spacing and repeated letters) are refused "
        "in your shows. Muting a word twice returns the same entry.",
        request=serializers.MuteWordInputSerializer,
        responses={201: serializers.MuteWordOutputSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.MuteWordInputSerializer, request)
        word = mute_word_add(seller=request_user(request), word=data["word"])
        return Response(serializers.MuteWordOutputSerializer(word).data, status=status.HTTP_201_CREATED)


class SellerMuteWordDeleteApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="Unmute a word in your shows",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, word_id: int) -> Response:
        mute_word_remove(seller=request_user(request), word_id=word_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SellerPatternListCreateApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="Your custom message patterns",
        responses={200: serializers.PatternOutputSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        patterns = pattern_list_for_seller(seller=request_user(request))
        return Response(serializers.PatternOutputSerializer(patterns, many=True).data)

    @extend_schema(
        tags=["seller moderation"],
        summary="Add a custom message pattern for your shows",
        description="An RE2 regular expression (no back-references or look-around), matched ignoring case. "
        "Messages matching it are held for review or rejected. A pattern that is invalid, matches an empty "
        "message or runs too long is refused with the reason.",
        request=serializers.PatternInputSerializer,
        responses={201: serializers.PatternOutputSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.PatternInputSerializer, request)
        pattern = pattern_add(seller=request_user(request), **data)
        return Response(serializers.PatternOutputSerializer(pattern).data, status=status.HTTP_201_CREATED)


class SellerPatternDeleteApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="Remove one of your custom patterns",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, pattern_id: int) -> Response:
        pattern_remove(seller=request_user(request), pattern_id=pattern_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SellerSlowModeApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="Slow mode in your shows",
        description="Your default (`show_id` null) and any show's own setting.",
        responses={200: serializers.SlowModeOutputSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        modes = slow_mode_list_for_seller(seller=request_user(request))
        return Response(serializers.SlowModeOutputSerializer(modes, many=True).data)

    @extend_schema(
        tags=["seller moderation"],
        summary="Set slow mode for your shows or one show",
        description="Each sender waits `seconds` between messages in the show; a show's own setting beats your "
        "default. 0 turns it off.",
        request=serializers.SlowModeInputSerializer,
        responses={200: serializers.SlowModeOutputSerializer, **errors(400, 401, 403)},
    )
    def put(self, request: Request) -> Response:
        data = validated(serializers.SlowModeInputSerializer, request)
        mode = slow_mode_set(seller=request_user(request), seconds=data["seconds"], show_id=data["show_id"])
        return Response(serializers.SlowModeOutputSerializer(mode).data)


class SellerModeratorListCreateApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="The moderators you appointed for your shows",
        responses={200: serializers.ModeratorOutputSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        moderators = seller_moderator_list(seller=request_user(request))
        return Response(serializers.ModeratorOutputSerializer(moderators, many=True).data)

    @extend_schema(
        tags=["seller moderation"],
        summary="Appoint a moderator for your shows",
        description="The person, named by the e-mail address of their Tokshop account, may then mute, ban and lift "
        "sanctions in your shows, and nowhere else; they are told. Appointing someone twice returns the same entry; "
        "an address no active account uses is 404, your own is 400.",
        request=serializers.ModeratorInputSerializer,
        responses={201: serializers.ModeratorOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ModeratorInputSerializer, request)
        entry = seller_moderator_appoint_by_email(seller=request_user(request), email=data["email"])
        return Response(serializers.ModeratorOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class SellerModeratorDeleteApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller moderation"],
        summary="Remove a moderator from your shows",
        description="Their powers in your shows end now; they are told.",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, user_id: int) -> Response:
        seller_moderator_remove(seller=request_user(request), moderator_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeModeratingApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["moderation"],
        summary="Where you moderate",
        description="Your own shop if you sell, and the sellers who appointed you to moderate their shows. "
        "`everywhere` is true for Tokshop's own moderators, who act in every show.",
        responses={200: serializers.ModeratingOutputSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        actor = request_user(request)
        body = {"everywhere": is_staff_moderator(actor), "sellers": seller_list_moderated_by(actor=actor)}
        return Response(serializers.ModeratingOutputSerializer(body, context={"actor": actor}).data)


def _verification_body(request: Request) -> dict[str, object]:
    seller = request_user(request)
    shop = seller_profile_get(user=seller)
    if shop is None:
        raise PermissionDenied("Open a shop before asking to be verified.", code="no_shop")
    latest = verification_request_latest(seller=seller)
    return serializers.VerificationOutputSerializer(
        {"verification_status": shop.verification_status, "request": latest}
    ).data


class SellerVerificationApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["seller verification"],
        summary="Your shop's verification",
        description="Where your shop stands and your latest request (pending, or the last decision with its reason).",
        responses={200: serializers.VerificationOutputSerializer, **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(_verification_body(request))

    @extend_schema(
        tags=["seller verification"],
        summary="Ask to be verified",
        description="Sends what the Tokshop team needs to check who runs your shop. Individuals give a date of "
        "birth (18 or over), companies their registration number. The document is stored privately and only "
        "staff can open it. One request is reviewed at a time: another while one is pending answers 409 "
        "`verification_pending`; a verified shop answers 409 `already_verified`.",
        request={"multipart/form-data": serializers.VerificationInputSerializer},
        responses={201: serializers.VerificationOutputSerializer, **errors(400, 401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.VerificationInputSerializer, request)
        verification_request_submit(seller=request_user(request), **data)
        return Response(_verification_body(request), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["your moderation"],
        summary="Your sanctions: in force and past, where, why and until when",
        description="Warnings, mutes and bans you received, newest first, with the appeal you made of each. "
        'Who imposed one is told as "a moderator" or "Tokshop", never by name.',
        responses={200: serializers.MySanctionOutputSerializer(many=True), **errors(401)},
    )
)
class MySanctionListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MySanctionOutputSerializer
    filter_backends: list[Any] = []
    queryset = Sanction.objects.none()

    def get_queryset(self) -> QuerySet[Sanction]:
        return sanction_list_for_user(user=request_user(self.request))


@extend_schema_view(
    get=extend_schema(
        tags=["your moderation"],
        summary="Your appeals, newest first",
        responses={200: serializers.AppealOutputSerializer(many=True), **errors(401)},
    )
)
class AppealListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.AppealOutputSerializer
    filter_backends: list[Any] = []
    queryset = Appeal.objects.none()

    def get_queryset(self) -> QuerySet[Appeal]:
        return appeal_list_for_user(user=request_user(self.request))

    @extend_schema(
        tags=["your moderation"],
        summary="Appeal one of your sanctions",
        description="A moderator of the shows where it holds reviews it. Appealing the same sanction again "
        "returns the first appeal (200). A mute or ban that already ended, or a withdrawn warning, cannot be "
        "appealed (400, `sanction_ended`); someone else's sanction is 404.",
        request=serializers.AppealInputSerializer,
        responses={
            201: serializers.AppealOutputSerializer,
            200: serializers.AppealOutputSerializer,
            **errors(400, 401, 404),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.AppealInputSerializer, request)
        appeal, created = appeal_create(user=request_user(request), sanction_id=data["sanction_id"], text=data["text"])
        body = serializers.AppealOutputSerializer(appeal).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    get=extend_schema(
        tags=["moderation"],
        summary="Sanctions in the shows you moderate, newest first",
        description="Staff moderators see every sanction; a seller and the moderators they appointed see those in "
        "that seller's shows. `seller` narrows the list to one seller's shows.",
        parameters=[serializers.SanctionFilterSerializer],
        responses={200: serializers.ModeratedSanctionOutputSerializer(many=True), **errors(400, 401)},
    )
)
class ModerationSanctionListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.ModeratedSanctionOutputSerializer
    filter_backends: list[Any] = []
    queryset = Sanction.objects.none()

    def get_queryset(self) -> QuerySet[Sanction]:
        filters = validated_query(serializers.SanctionFilterSerializer, self.request)
        return sanction_list_for_moderator(actor=request_user(self.request), seller_id=filters.get("seller"))

    @extend_schema(
        tags=["moderation"],
        summary="Warn, mute or ban someone in the shows you moderate",
        description="`scope` seller or show names `seller_id` (and `show_id`), a seller whose shows you moderate; "
        "global is for staff moderators (403 otherwise). The person is told why and until when; a third warning "
        "within 24 hours also mutes them.",
        request=serializers.SanctionImposeInputSerializer,
        responses={201: serializers.ModeratedSanctionOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.SanctionImposeInputSerializer, request)
        sanction = sanction_impose_by_ids(actor=request_user(request), **data)
        return Response(serializers.ModeratedSanctionOutputSerializer(sanction).data, status=status.HTTP_201_CREATED)


class ModerationSanctionLiftApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["moderation"],
        summary="Unmute or unban now",
        description="Only in the shows you moderate (403 elsewhere). Lifting one already lifted changes nothing; "
        "a warning has nothing to lift (400, `not_liftable`) — it is withdrawn by granting an appeal.",
        request=serializers.SanctionLiftInputSerializer,
        responses={200: serializers.ModeratedSanctionOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, sanction_id: int) -> Response:
        data = validated(serializers.SanctionLiftInputSerializer, request)
        sanction = sanction_lift(actor=request_user(request), sanction_id=sanction_id, reason=data["reason"])
        return Response(serializers.ModeratedSanctionOutputSerializer(sanction).data)


@extend_schema_view(
    get=extend_schema(
        tags=["moderation"],
        summary="Appeals you may decide, pending first",
        responses={200: serializers.ModeratedAppealOutputSerializer(many=True), **errors(401)},
    )
)
class ModerationAppealListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.ModeratedAppealOutputSerializer
    filter_backends: list[Any] = []
    queryset = Appeal.objects.none()

    def get_queryset(self) -> QuerySet[Appeal]:
        return appeal_list_for_moderator(actor=request_user(self.request))


class ModerationAppealDecideApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["moderation"],
        summary="Grant or deny an appeal",
        description="Granting lifts the mute or ban, or withdraws the warning; denying keeps it. Only in the shows "
        "you moderate (403 elsewhere); an appeal is decided once (409 `already_decided`).",
        request=serializers.AppealDecideInputSerializer,
        responses={200: serializers.ModeratedAppealOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, appeal_id: int) -> Response:
        data = validated(serializers.AppealDecideInputSerializer, request)
        appeal = appeal_decide(
            actor=request_user(request), appeal_id=appeal_id, grant=data["decision"] == "grant", note=data["note"]
        )
        return Response(serializers.ModeratedAppealOutputSerializer(appeal).data)
