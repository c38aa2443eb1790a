"""The payloads the commerce app puts on the wire."""

from typing import Any


def product_stock_changed(*, product_id: int, available: int) -> dict[str, Any]:
    return {"product_id": product_id, "available": available}
