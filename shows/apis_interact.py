"""The API of a show's polls, questions and flash sales, for the PWA."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.schema import errors

from .events_interact import poll_payload, question_payload
from .models import Poll, Question
from .selectors import show_get_for_viewer
from .selectors_interact import poll_list_for_show, question_list_for_show
from .services.flash_sales import flash_sale_buy

KEY_PARAMETER = OpenApiParameter("key", str, description="The secret of a private show's link.")


class PollOptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    votes = serializers.IntegerField(help_text="Votes so far while open; the results once closed.")


class PollOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    opened_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    options = PollOptionOutputSerializer(many=True)
    total = serializers.IntegerField()

    def to_representation(self, instance: Poll) -> dict[str, Any]:
        return poll_payload(instance)


class QuestionAuthorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class QuestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = QuestionAuthorOutputSerializer()
    upvotes = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "answered"])
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: Question) -> dict[str, Any]:
        return question_payload(instance)


class ShowPartListApi(generics.ListAPIView):
    """A list of one show's things, for whoever may watch the show."""

    permission_classes = [AllowAny]
    filter_backends: list[Any] = []

    def show_id(self) -> int:
        show = show_get_for_viewer(
            user=self.request.user, show_id=self.kwargs["show_id"], key=self.request.query_params.get("key")
        )
        return show.pk


@extend_schema_view(
    get=extend_schema(
        tags=["shows"],
        summary="A show's questions, most upvoted first",
        description="Waiting and answered questions (`status`); dismissed ones are not listed.",
        parameters=[KEY_PARAMETER],
        responses={200: QuestionOutputSerializer(many=True), **errors(403, 404)},
    )
)
class ShowQuestionListApi(ShowPartListApi):
    serializer_class = QuestionOutputSerializer
    queryset = Question.objects.none()

    def get_queryset(self) -> QuerySet[Question]:
        return question_list_for_show(show_id=self.show_id())


@extend_schema_view(
    get=extend_schema(
        tags=["shows"],
        summary="A show's polls with their results, newest first",
        parameters=[KEY_PARAMETER],
        responses={200: PollOutputSerializer(many=True), **errors(403, 404)},
    )
)
class ShowPollListApi(ShowPartListApi):
    serializer_class = PollOutputSerializer
    queryset = Poll.objects.none()

    def get_queryset(self) -> QuerySet[Poll]:
        return poll_list_for_show(show_id=self.show_id())


class ShippingInputSerializer(serializers.Serializer):
    shipping_name = serializers.CharField(max_length=120)
    shipping_line1 = serializers.CharField(max_length=200)
    shipping_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    shipping_city = serializers.CharField(max_length=100)
    shipping_postal_code = serializers.CharField(max_length=20)
    shipping_country = serializers.CharField(max_length=2, min_length=2)


class FlashSaleBuyInputSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    shipping = ShippingInputSerializer(
        required=False,
        help_text="Where to ship; without it the order ships to the address of your last order.",
    )


class FlashSaleBuyOutputSerializer(serializers.Serializer):
    sale_id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    pay_url = serializers.CharField(help_text="The order's page, where it is paid.")
    total_cents = serializers.IntegerField()
    remaining = serializers.IntegerField(help_text="Units left in the sale.")


class FlashSaleBuyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["shows"],
        summary="Buy in a flash sale",
        description=(
            "Places an order awaiting payment at the sale's price, with the stock held; pay it at `pay_url` "
            "or through the order's payment endpoint. Refusals: `not_on_sale` (404), `sale_ended`, "
            "`sold_out` (with `remaining`), `limit_reached` (with `left`), `address_required` (send "
            "`shipping`), `own_product`."
        ),
        request=FlashSaleBuyInputSerializer,
        responses={201: FlashSaleBuyOutputSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, sale_id: int) -> Response:
        received_at = timezone.now()
        data = validated(FlashSaleBuyInputSerializer, request)
        shipping = data.get("shipping")
        bought = flash_sale_buy(
            buyer=request_user(request),
            sale_id=sale_id,
            quantity=data["quantity"],
            received_at=received_at,
            shipping=dict(shipping) if shipping is not None else None,
        )
        body = {
            "sale_id": bought.sale.pk,
            "order_id": bought.order.pk,
            "pay_url": bought.order.get_absolute_url(),
            "total_cents": bought.order.total_cents,
            "remaining": bought.sale.remaining,
        }
        return Response(FlashSaleBuyOutputSerializer(body).data, status=status.HTTP_201_CREATED)
