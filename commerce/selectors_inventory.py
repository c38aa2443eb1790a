"""Reads for the seller's stock pages and imports: stock history and import progress, owner's only."""

from django.db.models import QuerySet

from tokshop.users.models import User

from .models import InventoryChange, ProductImport


def inventory_history_for_seller(*, seller: User, product_id: int) -> QuerySet[InventoryChange]:
    """Every change to one of the seller's products' stock, newest first, with who made it and the order."""
    return (
        InventoryChange.objects.filter(product_id=product_id, product__seller=seller)
        .select_related("actor", "order")
        .order_by("-created_at", "-id")
    )


def product_import_list_for_seller(*, seller: User) -> QuerySet[ProductImport]:
    # The file's text can be megabytes: lists and progress polls never need it.
    return ProductImport.objects.filter(seller=seller).defer("content").order_by("-created_at", "-id")


def product_import_get_for_seller(*, seller: User, import_id: int) -> ProductImport | None:
    """One of the seller's imports; someone else's is None, as if it did not exist."""
    return product_import_list_for_seller(seller=seller).filter(pk=import_id).first()
