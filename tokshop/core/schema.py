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


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer) for code in statuses}
