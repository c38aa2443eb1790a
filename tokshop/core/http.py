from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from tokshop.users.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`."""

    user: "User"
