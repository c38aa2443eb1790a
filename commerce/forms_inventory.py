from django import forms

from .forms import COUNT_MAX
from .models import SELLER_ADJUST_REASONS, InventoryReason
from .services.imports import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from .services.inventory import LOW_STOCK_THRESHOLD_MAX

ADJUST_LIMIT = 1_000_000


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV, up to {IMPORT_MAX_BYTES // (1024 * 1024)} MB and {IMPORT_MAX_ROWS} products.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Change by",
        min_value=-ADJUST_LIMIT,
        max_value=ADJUST_LIMIT,
        help_text="Units to add, or to remove with a minus sign: 12 or -2.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.ChoiceField(
        label="Reason", choices=[(r.value, r.label) for r in InventoryReason if r in SELLER_ADJUST_REASONS]
    )
    note = forms.CharField(label="Note", required=False, max_length=200, help_text="For your records.")


class StockThresholdsForm(forms.Form):
    low_stock_threshold = forms.IntegerField(
        label="Low stock at", min_value=0, max_value=LOW_STOCK_THRESHOLD_MAX, help_text="Tell me at this many or fewer."
    )
    overstock_threshold = forms.IntegerField(
        label="Overstock above",
        min_value=1,
        max_value=COUNT_MAX,
        required=False,
        help_text="Tell me when more than this many are on hand.",
    )
