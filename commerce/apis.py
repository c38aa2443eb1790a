from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated, validated_query
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.schema import errors
from tokshop.core.shared_responses import etag_matches, response_share

from . import serializers
from .catalog_cache import VERSION_KEY, catalog_cached, catalog_etag
from .models import Category, Order, Product
from .payments import ChargeStatus
from .selectors import (
    cart_get_for_buyer,
    category_list,
    order_get_for_buyer,
    order_get_for_seller,
    order_list_for_buyer,
    order_list_for_seller,
    product_get_for_seller,
    product_get_public,
    product_list_for_seller,
    product_search,
    product_suggest,
)
from .services.cart import cart_add, cart_remove, cart_update
from .services.catalog import product_archive, product_create, product_image_add, product_image_remove, product_update
from .services.inventory import stock_adjust
from .services.orders import checkout, order_cancel, order_confirm_delivery, order_pay, order_ship


class IsSeller(BasePermission):
    message = "Open a shop to sell on Tokshop."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.is_seller)


def _own_product_body(request: Request, product_id: int) -> Any:
    product = product_get_for_seller(seller=request_user(request), product_id=product_id)
    if product is None:
        raise NotFound("No such product.")
    return serializers.SellerProductOutputSerializer(product, context={"request": request}).data


@extend_schema_view(
    get=extend_schema(
        tags=["seller products"],
        summary="Your products, newest first",
        parameters=[serializers.SellerProductFilterSerializer],
        responses={200: serializers.SellerProductOutputSerializer(many=True), **errors(400, 401, 403)},
    )
)
class SellerProductListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    serializer_class = serializers.SellerProductOutputSerializer
    filter_backends: list[Any] = []
    queryset = Product.objects.none()

    def get_queryset(self) -> QuerySet[Product]:
        filters = validated_query(serializers.SellerProductFilterSerializer, self.request)
        return product_list_for_seller(
            seller=request_user(self.request),
            status=filters.get("status"),
            category_id=filters.get("category_id"),
            search=filters.get("q", ""),
        )

    @extend_schema(
        tags=["seller products"],
        summary="Add a product to your shop",
        request=serializers.ProductInputSerializer,
        responses={201: serializers.SellerProductOutputSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ProductInputSerializer, request)
        product = product_create(seller=request_user(request), **data)
        body = _own_product_body(request, product.pk)
        return Response(body, status=status.HTTP_201_CREATED)


class SellerProductDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller products"],
        summary="One of your products",
        responses={200: serializers.SellerProductOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, product_id: int) -> Response:
        return Response(_own_product_body(request, product_id))

    @extend_schema(
        tags=["seller products"],
        summary="Change one of your products",
        description="Send only the fields to change. `id`, `seller` and `status` are refused (archive with DELETE).",
        request=serializers.ProductInputSerializer,
        responses={200: serializers.SellerProductOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, product_id: int) -> Response:
        data = validated(serializers.ProductInputSerializer, request, partial=True)
        product_update(seller=request_user(request), product_id=product_id, **data)
        return Response(_own_product_body(request, product_id))

    @extend_schema(
        tags=["seller products"],
        summary="Archive one of your products",
        description="Takes it out of your shop and out of search. Archiving twice changes nothing.",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, product_id: int) -> Response:
        product_archive(seller=request_user(request), product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SellerProductImageCreateApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["seller products"],
        summary="Add a picture to one of your products",
        request={"multipart/form-data": serializers.ProductImageInputSerializer},
        responses={201: serializers.ProductImageOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, product_id: int) -> Response:
        data = validated(serializers.ProductImageInputSerializer, request)
        picture = product_image_add(seller=request_user(request), product_id=product_id, image=data["image"])
        body = serializers.ProductImageOutputSerializer(picture, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SellerProductImageDeleteApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller products"],
        summary="Remove a picture from one of your products",
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, product_id: int, image_id: int) -> Response:
        product_image_remove(seller=request_user(request), product_id=product_id, image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _catalog_response(request: Request, key: str, build: Callable[[], Any]) -> Response:
    """A public catalog answer, the same for every visitor, served from the catalog cache.

    The ETag is the body's digest: a client sending it back in If-None-Match gets a 304 until the
    catalog changes. Formats other than JSON (the browsable API) are built fresh.
    """
    if request.accepted_renderer.format != "json":
        return Response(build())

    def render() -> tuple[str, bytes]:
        body = JSONRenderer().render(build())
        return catalog_etag(body), body

    # Picture URLs are absolute, so the scheme and host are part of what the body depends on.
    version, (etag, body) = catalog_cached(key=f"{request.build_absolute_uri('/')}|{key}", build=render)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    else:
        response = Response(headers={**headers, "Content-Type": "application/json"})
        # Setting the content marks the response rendered: the cached bytes go out as they are.
        response.content = body
    # Anonymous visitors asking again get this very response replayed in front of Django.
    response_share(response, version_key=VERSION_KEY, version=version)
    return response


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        summary="Search products",
        description=(
            "Active products matching `q` and the filters. On PostgreSQL `q` is a web-search query "
            '(`"exact phrase"`, `-word`, `or`) ranked by title, then tags, then description.'
        ),
        parameters=[serializers.ProductSearchInputSerializer],
        responses={200: serializers.ProductOutputSerializer(many=True), **errors(400)},
    )
)
class ProductSearchApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = serializers.ProductOutputSerializer
    filter_backends: list[Any] = []
    queryset = Product.objects.none()

    def get_queryset(self) -> QuerySet[Product]:
        filters = validated_query(serializers.ProductSearchInputSerializer, self.request)
        return product_search(query=filters.pop("q", ""), **filters)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Validated first: a bad query is a 400, and junk parameters cannot mint new cache keys.
        # The bare listing, the most asked for, has nothing to validate.
        query = request.query_params
        filters = sorted(validated_query(serializers.ProductSearchInputSerializer, request).items()) if query else []
        page = request.query_params.get(self.paginator.page_query_param, "1")  # type: ignore[union-attr]
        size = self.paginator.get_page_size(request)  # type: ignore[union-attr]
        listing = super().list
        return _catalog_response(request, f"products|{filters}|{page}|{size}", lambda: listing(request).data)


class ProductDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["catalog"],
        summary="One product",
        responses={200: serializers.ProductOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, product_id: int) -> Response:
        def build() -> Any:
            product = product_get_public(product_id=product_id)
            if product is None:
                raise NotFound("No such product.")
            return serializers.ProductOutputSerializer(product, context={"request": request}).data

        return _catalog_response(request, f"product|{product_id}", build)


class ProductSuggestApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["catalog"],
        summary="Product titles for a search box, as you type",
        parameters=[serializers.ProductSuggestInputSerializer],
        responses={200: serializers.ProductSuggestionOutputSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = validated_query(serializers.ProductSuggestInputSerializer, request)
        suggestions = product_suggest(prefix=query["q"])
        return Response(serializers.ProductSuggestionOutputSerializer(suggestions, many=True).data)


@extend_schema_view(get=extend_schema(tags=["catalog"], summary="Every category"))
class CategoryListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = serializers.CategoryOutputSerializer
    filter_backends: list[Any] = []
    pagination_class = None
    queryset = Category.objects.none()

    def get_queryset(self) -> QuerySet[Category]:
        return category_list()


def _cart_body(request: Request) -> Any:
    cart = cart_get_for_buyer(buyer=request_user(request))
    return serializers.CartOutputSerializer(cart, context={"request": request}).data


class CartDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["cart"],
        summary="Your cart",
        responses={200: serializers.CartOutputSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(_cart_body(request))


class CartItemCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["cart"],
        summary="Put a product in your cart",
        description="Adds to the product's line when the cart already has one. Nothing is held until checkout.",
        request=serializers.CartItemCreateInputSerializer,
        responses={201: serializers.CartOutputSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.CartItemCreateInputSerializer, request)
        cart_add(buyer=request_user(request), **data)
        return Response(_cart_body(request), status=status.HTTP_201_CREATED)


class CartItemDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["cart"],
        summary="Change how many of a product your cart holds",
        request=serializers.CartItemUpdateInputSerializer,
        responses={200: serializers.CartOutputSerializer, **errors(400, 401, 404, 409)},
    )
    def patch(self, request: Request, item_id: int) -> Response:
        data = validated(serializers.CartItemUpdateInputSerializer, request)
        cart_update(buyer=request_user(request), item_id=item_id, quantity=data["quantity"])
        return Response(_cart_body(request))

    @extend_schema(
        tags=["cart"],
        summary="Take a product out of your cart",
        responses={200: serializers.CartOutputSerializer, **errors(401, 404)},
    )
    def delete(self, request: Request, item_id: int) -> Response:
        cart_remove(buyer=request_user(request), item_id=item_id)
        return Response(_cart_body(request))


def _order_body(request: Request, order: Any) -> Any:
    return serializers.OrderOutputSerializer(order, context={"request": request}).data


def _buyer_order_body(request: Request, order_id: int) -> Any:
    order = order_get_for_buyer(buyer=request_user(request), order_id=order_id)
    if order is None:
        raise NotFound("No such order.")
    return _order_body(request, order)


class CheckoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        summary="Check out your cart",
        description=(
            "Holds the stock of every line (all or nothing) and creates one order per seller, awaiting "
            "payment. Send the shipping address only: prices, totals, sellers and statuses come from the "
            "server, and any other field is refused. 409 `sold_out` names the product (`product_id`)."
        ),
        request=serializers.CheckoutInputSerializer,
        responses={201: serializers.OrderOutputSerializer(many=True), **errors(400, 401, 409)},
    )
    def post(self, request: Request) -> Response:
        shipping = validated(serializers.CheckoutInputSerializer, request)
        orders = checkout(buyer=request_user(request), shipping=shipping)
        fresh = order_list_for_buyer(buyer=request_user(request)).filter(pk__in=[o.pk for o in orders]).order_by("pk")
        return Response(serializers.OrderOutputSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)


class OrderPayApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        summary="Pay for one of your orders",
        description=(
            "Charges the order's total as the server computed it. With the test gateway: "
            "4242424242424242 pays; 4000000000000002 is declined (402 `card_declined`); "
            "4000002500003155 needs authentication (402 `authentication_required`). "
            "After a refusal the order still awaits payment."
        ),
        request=serializers.OrderPayInputSerializer,
        responses={200: serializers.OrderOutputSerializer, **errors(400, 401, 402, 404, 409)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        data = validated(serializers.OrderPayInputSerializer, request)
        outcome = order_pay(
            buyer=request_user(request), order_id=order_id, card_number=data["card_number"].replace(" ", "")
        )
        if outcome.status != ChargeStatus.SUCCEEDED:
            code = "card_declined" if outcome.status == ChargeStatus.DECLINED else "authentication_required"
            raise ApplicationError(outcome.message, code=code, status=402, extra={"order_id": order_id})
        return Response(_buyer_order_body(request, order_id))


@extend_schema_view(
    get=extend_schema(
        tags=["orders"],
        summary="Your orders, newest first",
        responses={200: serializers.OrderOutputSerializer(many=True), **errors(401)},
    )
)
class OrderListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.OrderOutputSerializer
    filter_backends: list[Any] = []
    queryset = Order.objects.none()

    def get_queryset(self) -> QuerySet[Order]:
        return order_list_for_buyer(buyer=request_user(self.request))


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        summary="One of your orders",
        responses={200: serializers.OrderOutputSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, order_id: int) -> Response:
        return Response(_buyer_order_body(request, order_id))


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        summary="Cancel one of your orders while it awaits payment",
        request=None,
        responses={200: serializers.OrderOutputSerializer, **errors(401, 404, 409)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        order_cancel(buyer=request_user(request), order_id=order_id)
        return Response(_buyer_order_body(request, order_id))


class OrderConfirmDeliveryApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        summary="Say a shipped order arrived",
        request=None,
        responses={200: serializers.OrderOutputSerializer, **errors(401, 404, 409)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        order_confirm_delivery(buyer=request_user(request), order_id=order_id)
        return Response(_buyer_order_body(request, order_id))


@extend_schema_view(
    get=extend_schema(
        tags=["seller orders"],
        summary="Orders of your shop, newest first",
        parameters=[serializers.SellerOrderFilterSerializer],
        responses={200: serializers.OrderOutputSerializer(many=True), **errors(400, 401, 403)},
    )
)
class SellerOrderListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    serializer_class = serializers.OrderOutputSerializer
    filter_backends: list[Any] = []
    queryset = Order.objects.none()

    def get_queryset(self) -> QuerySet[Order]:
        filters = validated_query(serializers.SellerOrderFilterSerializer, self.request)
        return order_list_for_seller(seller=request_user(self.request), status=filters.get("status"))


class SellerOrderShipApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller orders"],
        summary="Mark a paid order shipped",
        request=serializers.OrderShipInputSerializer,
        responses={200: serializers.OrderOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        data = validated(serializers.OrderShipInputSerializer, request)
        order_ship(seller=request_user(request), order_id=order_id, **data)
        order = order_get_for_seller(seller=request_user(request), order_id=order_id)
        return Response(_order_body(request, order))


class SellerProductStockAdjustApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller products"],
        summary="Change the count on hand of one of your products, with a reason",
        description=(
            "Recorded in the product's stock history. The count may not fall below zero, nor below "
            "the units held for checkouts (409)."
        ),
        request=serializers.StockAdjustInputSerializer,
        responses={200: serializers.SellerProductOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, product_id: int) -> Response:
        data = validated(serializers.StockAdjustInputSerializer, request)
        stock_adjust(seller=request_user(request), product_id=product_id, **data)
        return Response(_own_product_body(request, product_id))
