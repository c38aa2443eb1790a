from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tokshop.core.ratelimit import client_ip

from .services_links import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    account_signals_record,
    device_id_is_valid,
    device_id_new,
)


class AccountSignalsMiddleware:
    """Gives each browser a signed-in person uses a device cookie, and records the account's device and
    address (throttled: a busy account writes each at most once per few minutes).

    Works on the response, so a sign-in is recorded by the very request that signs in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        device_id = request.COOKIES.get(DEVICE_COOKIE, "")
        if not device_id_is_valid(device_id):
            device_id = device_id_new()
            response.set_cookie(
                DEVICE_COOKIE,
                device_id,
                max_age=DEVICE_COOKIE_MAX_AGE,
                httponly=True,
                # The same rule as the session cookie: Secure wherever the site is served over HTTPS.
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        account_signals_record(user_id=user.pk, device_id=device_id, ip=client_ip(request))
        return response
