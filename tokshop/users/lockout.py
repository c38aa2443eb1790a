"""What a locked-out client sees: JSON for the API, the sign-in page with the reason for people."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tokshop.core.exceptions import error_body


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"Too many failed sign-in attempts. For your safety, sign-in is paused for {minutes} minutes."


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    retry_after = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body("locked_out", lockout_message(), retry_after=retry_after), status=429
        )
    else:
        response = render(request, "users/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
