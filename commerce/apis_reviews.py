from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.errors import NotFound
from tokshop.core.schema import errors

from .models import Review
from .selectors import product_get_public, shop_get_public
from .selectors_reviews import (
    review_get_for_reader,
    review_list_for_author,
    review_list_for_product,
    review_list_for_shop,
)
from .serializers_reviews import (
    ReviewAnswerInputSerializer,
    ReviewCreateInputSerializer,
    ReviewOutputSerializer,
    ReviewUpdateInputSerializer,
)
from .services.reviews import review_answer, review_create, review_update


def _review_body(request: Request, review_id: int) -> Any:
    reader = request.user if request.user.is_authenticated else None
    review = review_get_for_reader(reader=reader, review_id=review_id)
    if review is None:
        raise NotFound("No such review.")
    return ReviewOutputSerializer(review, context={"request": request}).data


class _PublicReviewListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ReviewOutputSerializer
    filter_backends: list[Any] = []
    queryset = Review.objects.none()


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"],
        summary="A product's reviews, newest first",
        responses={200: ReviewOutputSerializer(many=True), **errors(404)},
    )
)
class ProductReviewListApi(_PublicReviewListApi):
    def get_queryset(self) -> QuerySet[Review]:
        product = product_get_public(product_id=self.kwargs["product_id"])
        if product is None:
            raise NotFound("No such product.")
        return review_list_for_product(product_id=product.pk)


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"],
        summary="A shop's reviews, newest first",
        responses={200: ReviewOutputSerializer(many=True), **errors(404)},
    )
)
class ShopReviewListApi(_PublicReviewListApi):
    def get_queryset(self) -> QuerySet[Review]:
        shop = shop_get_public(slug=self.kwargs["slug"])
        if shop is None:
            raise NotFound("No such shop.")
        return review_list_for_shop(seller_id=shop.user_id)


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"],
        summary="Your reviews, newest first",
        description="Hidden ones included, with `is_hidden` set: you can still edit them.",
        responses={200: ReviewOutputSerializer(many=True), **errors(401)},
    )
)
class ReviewListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReviewOutputSerializer
    filter_backends: list[Any] = []
    queryset = Review.objects.none()

    def get_queryset(self) -> QuerySet[Review]:
        return review_list_for_author(author=request_user(self.request))

    @extend_schema(
        tags=["reviews"],
        summary="Review a delivered purchase",
        description=(
            "Rates the product and the seller of one line of your delivered order, once. "
            "403 `not_delivered` before delivery; 409 `already_reviewed` the second time; "
            "404 for a line that is not yours."
        ),
        request=ReviewCreateInputSerializer,
        responses={201: ReviewOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        data = validated(ReviewCreateInputSerializer, request)
        review = review_create(author=request_user(request), **data)
        return Response(_review_body(request, review.pk), status=status.HTTP_201_CREATED)


class ReviewDetailApi(APIView):
    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        tags=["reviews"],
        summary="One review",
        description="A hidden review is found only by its author and its seller.",
        responses={200: ReviewOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, review_id: int) -> Response:
        return Response(_review_body(request, review_id))

    @extend_schema(
        tags=["reviews"],
        summary="Edit your review",
        description="Send only the fields to change. Someone else's review answers 404.",
        request=ReviewUpdateInputSerializer,
        responses={200: ReviewOutputSerializer, **errors(400, 401, 404)},
    )
    def patch(self, request: Request, review_id: int) -> Response:
        data = validated(ReviewUpdateInputSerializer, request, partial=True)
        review_update(author=request_user(request), review_id=review_id, **data)
        return Response(_review_body(request, review_id))


class ReviewAnswerApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["reviews"],
        summary="Answer a review of your product, once, in public",
        description="403 `not_your_product` for anyone but the product's seller; 409 `already_answered`.",
        request=ReviewAnswerInputSerializer,
        responses={200: ReviewOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, review_id: int) -> Response:
        data = validated(ReviewAnswerInputSerializer, request)
        review_answer(seller=request_user(request), review_id=review_id, **data)
        return Response(_review_body(request, review_id))
