"""API for the seller's stock and bulk imports: thresholds, stock history, CSV imports and their progress."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.errors import NotFound
from tokshop.core.schema import errors

from . import serializers_inventory as serializers
from .apis import IsSeller
from .models import InventoryChange, ProductImport
from .selectors import product_get_for_seller
from .selectors_inventory import (
    inventory_history_for_seller,
    product_import_get_for_seller,
    product_import_list_for_seller,
)
from .services.imports import product_import_start
from .services.inventory import stock_thresholds_set


def _own_product_or_404(request: Request, product_id: int) -> Any:
    product = product_get_for_seller(seller=request_user(request), product_id=product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


@extend_schema_view(
    get=extend_schema(
        tags=["seller products"],
        summary="The stock history of one of your products, newest first",
        description="Every change: by how much, why, who made it and for which order.",
        responses={200: serializers.InventoryChangeOutputSerializer(many=True), **errors(401, 403, 404)},
    )
)
class SellerProductStockHistoryApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    serializer_class = serializers.InventoryChangeOutputSerializer
    filter_backends: list[Any] = []
    queryset = InventoryChange.objects.none()

    def get_queryset(self) -> QuerySet[InventoryChange]:
        # Someone else's product answers 404, not an empty history that would confirm it exists.
        product = _own_product_or_404(self.request, self.kwargs["product_id"])
        return inventory_history_for_seller(seller=request_user(self.request), product_id=product.pk)


class SellerProductStockThresholdsApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller products"],
        summary="Stock levels and alert thresholds of one of your products",
        responses={200: serializers.StockLevelsOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, product_id: int) -> Response:
        return Response(serializers.StockLevelsOutputSerializer(_own_product_or_404(request, product_id)).data)

    @extend_schema(
        tags=["seller products"],
        summary="Set when you hear about one of your products' stock",
        description=(
            "A notification arrives once when the count on hand falls to `low_stock_threshold`, once when "
            "it reaches zero, and once when it rises above `overstock_threshold` (which must be higher)."
        ),
        request=serializers.StockThresholdsInputSerializer,
        responses={200: serializers.StockLevelsOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def put(self, request: Request, product_id: int) -> Response:
        data = validated(serializers.StockThresholdsInputSerializer, request)
        stock_thresholds_set(seller=request_user(request), product_id=product_id, **data)
        return Response(serializers.StockLevelsOutputSerializer(_own_product_or_404(request, product_id)).data)


@extend_schema_view(
    get=extend_schema(
        tags=["seller products"],
        summary="Your product imports, newest first",
        responses={200: serializers.ProductImportOutputSerializer(many=True), **errors(401, 403)},
    )
)
class SellerProductImportListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsSeller]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = serializers.ProductImportOutputSerializer
    filter_backends: list[Any] = []
    queryset = ProductImport.objects.none()

    def get_queryset(self) -> QuerySet[ProductImport]:
        return product_import_list_for_seller(seller=request_user(self.request))

    @extend_schema(
        tags=["seller products"],
        summary="Import products from a CSV file",
        description=(
            "The file is checked as a whole (type, UTF-8, size, header) and queued: 202 with the import, "
            "whose progress and per-row errors `GET seller/products/imports/{id}/` reports. Each row creates "
            "a product, or updates yours with the same `sku`; a row with errors changes nothing. "
            "Columns: title, description, price (24.50), currency, category (slug or name), condition, "
            "tags (comma-separated), sku, shipping_weight_grams, quantity, low_stock_threshold. "
            "409 `imports_busy` while three of yours are unfinished; 429 past 20 imports an hour."
        ),
        request={"multipart/form-data": serializers.ProductImportInputSerializer},
        responses={202: serializers.ProductImportOutputSerializer, **errors(400, 401, 403, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ProductImportInputSerializer, request)
        started = product_import_start(seller=request_user(request), upload=data["file"])
        # Read again: with an inline worker the import may already have moved on.
        job = product_import_get_for_seller(seller=request_user(request), import_id=started.pk) or started
        location = reverse("api:seller-product-import", kwargs={"import_id": job.pk})
        body = serializers.ProductImportOutputSerializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class SellerProductImportDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller products"],
        summary="Progress and per-row errors of one of your imports",
        responses={200: serializers.ProductImportOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, import_id: int) -> Response:
        job = product_import_get_for_seller(seller=request_user(request), import_id=import_id)
        if job is None:
            raise NotFound("No such import.")
        return Response(serializers.ProductImportOutputSerializer(job).data)
