"""What commerce hears from the apps below it: shop and account changes that the public catalog shows.

The account app cannot call commerce (it sits below it), so the catalog listens to its rows
instead. Categories change only in the admin, so theirs are heard here too.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save

from tokshop.users.models import SellerProfile, User

from .catalog_cache import catalog_changed
from .models import Category

# Only a closed account changes the catalog (its products leave it); a sign-in saves last_login alone.
_CATALOG_USER_FIELDS = frozenset({"is_active"})


def _shop_or_category_saved(**kwargs: Any) -> None:
    catalog_changed()


def _user_saved(*, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if update_fields is None or update_fields & _CATALOG_USER_FIELDS:
        catalog_changed()


def connect() -> None:
    for model in (SellerProfile, Category):
        post_save.connect(_shop_or_category_saved, sender=model, dispatch_uid=f"catalog-{model.__name__}-saved")
        post_delete.connect(_shop_or_category_saved, sender=model, dispatch_uid=f"catalog-{model.__name__}-deleted")
    post_save.connect(_user_saved, sender=User, dispatch_uid="catalog-user-saved")
