from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.models import User

from .selectors import notification_list, notification_unread_count
from .services import notification_mark_read

PAGE_SIZE = 20
FILTERS = ("all", "unread")


def panel_context(*, user: User, current_filter: str, page: str | None) -> dict[str, Any]:
    notifications = notification_list(user=user, unread_only=current_filter == "unread")
    return {
        "current_filter": current_filter,
        "page_obj": Paginator(notifications, PAGE_SIZE).get_page(page),
        "unread_count": notification_unread_count(user=user),
    }


def filter_from(value: str | None) -> str:
    return value if value in FILTERS else "all"


@login_required
def notification_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = panel_context(
        user=request.user, current_filter=filter_from(request.GET.get("filter")), page=request.GET.get("page")
    )
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    raw_id = request.POST.get("id", "")
    if raw_id and not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19):
        return HttpResponseBadRequest("id must be a notification id.")
    notification_mark_read(user=request.user, ids=[int(raw_id)] if raw_id else None)
    current_filter, page = filter_from(request.POST.get("filter")), request.POST.get("page")
    if request.headers.get("HX-Request") == "true":
        context = panel_context(user=request.user, current_filter=current_filter, page=page)
        return render(request, "notifications/_panel.html", {**context, "oob_count": True})
    query = urlencode({"filter": current_filter, "page": page or 1})
    return redirect(f"{reverse('notifications:list')}?{query}")
