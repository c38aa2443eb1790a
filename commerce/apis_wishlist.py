from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user
from tokshop.core.schema import errors

from .models import WishlistItem
from .selectors_wishlist import wishlist_list_for_buyer
from .serializers_reviews import WishlistItemOutputSerializer
from .services.wishlist import wishlist_add, wishlist_remove


@extend_schema_view(
    get=extend_schema(
        tags=["wishlist"],
        summary="Your saved products, most recently saved first",
        responses={200: WishlistItemOutputSerializer(many=True), **errors(401)},
    )
)
class WishlistListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = WishlistItemOutputSerializer
    filter_backends: list[Any] = []
    queryset = WishlistItem.objects.none()

    def get_queryset(self) -> QuerySet[WishlistItem]:
        return wishlist_list_for_buyer(buyer=request_user(self.request))


class WishlistItemApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["wishlist"],
        summary="Save a product",
        description="201 when newly saved, 200 when it already was. You hear when a saved product is back in stock.",
        request=None,
        responses={200: WishlistItemOutputSerializer, 201: WishlistItemOutputSerializer, **errors(400, 401, 404)},
    )
    def put(self, request: Request, product_id: int) -> Response:
        buyer = request_user(request)
        item, created = wishlist_add(buyer=buyer, product_id=product_id)
        saved = wishlist_list_for_buyer(buyer=buyer).get(pk=item.pk)
        body = WishlistItemOutputSerializer(saved, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        tags=["wishlist"],
        summary="Unsave a product",
        description="Removing a product that is not saved changes nothing.",
        responses={204: None, **errors(401)},
    )
    def delete(self, request: Request, product_id: int) -> Response:
        wishlist_remove(buyer=request_user(request), product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
