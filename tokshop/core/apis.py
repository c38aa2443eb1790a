from typing import TYPE_CHECKING, Any

from rest_framework.request import Request

if TYPE_CHECKING:
    from tokshop.users.models import User


def request_user(request: Request) -> "User":
    """The signed-in user of a view whose permissions already require one."""
    user = request.user
    assert user.is_authenticated
    return user


def validated(serializer_class: type[Any], request: Request, *, partial: bool = False) -> dict[str, Any]:
    """Parse a request body with an input serializer, raising the API's 400 on bad input."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_query(serializer_class: type[Any], request: Request) -> dict[str, Any]:
    """Parse a request's query string with an input serializer, raising the API's 400 on bad input."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
