from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from tokshop.notifications.selectors import notification_list, notification_unread_count


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.user.is_authenticated:
        context["notifications"] = notification_list(user=request.user)[:5]
        context["unread_count"] = notification_unread_count(user=request.user)
    return render(request, "home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on pages that name no icon, such as the admin's. The static URL
    # is resolved per request: in production it carries a content hash only collectstatic knows.
    return redirect(static("img/icon-192.png"), permanent=True)
