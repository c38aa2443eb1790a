from typing import Any

from rest_framework.request import Request


def validated(serializer_class: type[Any], request: Request, *, partial: bool = False) -> dict[str, Any]:
    """Parse a request body with an input serializer, raising the API's 400 on bad input."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
