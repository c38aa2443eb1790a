"""OpenAPI pieces shared by every endpoint: the error shape."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="A stable, machine-readable reason."),
        "message": serializers.CharField(help_text="A sentence for people."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Errors by input field, when the input was invalid.",
        ),
    },
)


RateLimitedErrorSerializer = inline_serializer(
    name="RateLimitedError",
    fields={
        "code": serializers.CharField(help_text="`rate_limited`, or `locked_out` after repeated failed sign-ins."),
        "message": serializers.CharField(help_text="A sentence for people, saying how long to wait."),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "retry_after": serializers.IntegerField(help_text="Seconds to wait; also in the Retry-After header."),
    },
)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(RateLimitedErrorSerializer if code == 429 else ErrorSerializer) for code in statuses}
