from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tokshop.notifications.selectors import notification_list, notification_unread_count


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.user.is_authenticated:
        context["notifications"] = notification_list(user=request.user)[:5]
        context["unread_count"] = notification_unread_count(user=request.user)
    return render(request, "home.html", context)
