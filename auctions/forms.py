"""The seller's increment table as a page form: dollars typed by the seller, cents for the service."""

from decimal import Decimal
from typing import Any

from django import forms

from .increments import MAX_ROWS

# Room for a few more bands than the seller has now, without a page that scrolls forever.
SPARE_ROWS = 3


def _dollars(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class IncrementTableForm(forms.Form):
    """Rows of "from this price, bids go up by this much"; blank rows are ignored."""

    def __init__(self, *args: Any, table: list[list[int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_count = min(max(len(table) + SPARE_ROWS, 1), MAX_ROWS)
        for index in range(self.row_count):
            start, step = table[index] if index < len(table) else (None, None)
            self.fields[f"from_{index}"] = forms.DecimalField(
                label="From",
                required=False,
                min_value=0,
                max_digits=9,
                decimal_places=2,
                initial=_dollars(start) if start is not None else None,
            )
            self.fields[f"step_{index}"] = forms.DecimalField(
                label="Bids go up by",
                required=False,
                min_value=Decimal("0.01"),
                max_digits=9,
                decimal_places=2,
                initial=_dollars(step) if step is not None else None,
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"from_{index}"], self[f"step_{index}"]) for index in range(self.row_count)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        table: list[list[int]] = []
        for index in range(self.row_count):
            start, step = data.get(f"from_{index}"), data.get(f"step_{index}")
            if start is None and step is None:
                continue
            if start is None or step is None:
                self.add_error(f"step_{index}" if step is None else f"from_{index}", "Fill in both, or neither.")
                continue
            table.append([int(start * 100), int(step * 100)])
        if not table and not self.errors:
            raise forms.ValidationError("Give at least one band, starting from $0.")
        data["table"] = table
        return data
