"""The site as `bench.listing` serves it: Tokshop's own URLs plus the bare JSON baseline view.

Used as ROOT_URLCONF by `bench._listing_settings`, so the baseline runs in the very server
processes, behind the very middleware, that serve the cached listing.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path

from tokshop.urls import urlpatterns as site

BARE_BODY: dict[str, Any] = {"count": 0, "next": None, "previous": None, "results": []}


def bare_json(request: HttpRequest) -> JsonResponse:
    """No database, no cache, no DRF: what Django alone costs to answer a JSON GET."""
    return JsonResponse(BARE_BODY)


# Last, as a view added to a real site would be: it pays the same URL resolving as the listing.
urlpatterns = [*site, path("bench/bare/", bare_json)]
