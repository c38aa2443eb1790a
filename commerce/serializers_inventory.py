from rest_framework import serializers

from .models import InventoryChange, ProductImport
from .serializers import StrictInputSerializer
from .services.imports import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from .services.inventory import LOW_STOCK_THRESHOLD_MAX

COUNT_MAX = 2_147_483_647


class ProductImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            f"A UTF-8 CSV file under {IMPORT_MAX_BYTES // (1024 * 1024)} MB with at most {IMPORT_MAX_ROWS} "
            "products; the header names the columns (title and price are required)."
        )
    )


class ImportRowErrorOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number as a spreadsheet shows it (the header is row 1).")
    # Named like the API's error shape; the metaclass takes declared fields off the class, so the
    # Serializer attributes of the same names are untouched.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages by column."
    )


class ProductImportOutputSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    error_count = serializers.IntegerField(read_only=True)
    errors = ImportRowErrorOutputSerializer(many=True, read_only=True)  # type: ignore[assignment]

    class Meta:
        model = ProductImport
        fields = [
            "id",
            "filename",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "created_count",
            "updated_count",
            "error_count",
            "errors",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class InventoryChangeOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True, allow_null=True, default=None)
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = InventoryChange
        fields = [
            "id",
            "delta_on_hand",
            "delta_reserved",
            "reason",
            "note",
            "actor",
            "order_id",
            "order_number",
            "created_at",
        ]
        read_only_fields = fields


class StockThresholdsInputSerializer(StrictInputSerializer):
    low_stock_threshold = serializers.IntegerField(
        min_value=0, max_value=LOW_STOCK_THRESHOLD_MAX, help_text="Hear once when this many or fewer are left."
    )
    overstock_threshold = serializers.IntegerField(
        min_value=1,
        max_value=COUNT_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="Hear once when more than this many are on hand; null or absent turns the alert off.",
    )


class StockLevelsOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="pk")
    quantity_on_hand = serializers.IntegerField()
    quantity_reserved = serializers.IntegerField()
    quantity_available = serializers.IntegerField()
    low_stock_threshold = serializers.IntegerField()
    overstock_threshold = serializers.IntegerField(allow_null=True)
