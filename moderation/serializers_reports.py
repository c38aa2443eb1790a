from typing import Any

from rest_framework import serializers

from commerce.serializers import StrictInputSerializer

from .models import HeldMessage, Report, ReportReason
from .reportables import reportable_kinds
from .services.reports import DETAILS_MAX_LENGTH


class ReportInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=[], help_text="What you report.")
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The id of the thing you report.")
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(
        max_length=DETAILS_MAX_LENGTH, required=False, allow_blank=True, default="", help_text="What happened."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Apps register their kinds when they are ready, after this module was imported.
        kind = self.fields["kind"]
        assert isinstance(kind, serializers.ChoiceField)
        kind.choices = reportable_kinds()


class ReportOutputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text="The report's id.")
    object_id = serializers.IntegerField(help_text="The id of the thing reported.")

    class Meta:
        model = Report
        fields = ["id", "kind", "object_id", "reason", "details", "status", "created_at", "decided_at"]


class SenderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class HeldMessageOutputSerializer(serializers.ModelSerializer):
    sender = SenderOutputSerializer()

    class Meta:
        model = HeldMessage
        fields = [
            "id",
            "sender",
            "seller_id",
            "show_id",
            "kind",
            "text",
            "verdict_code",
            "verdict_message",
            "status",
            "created_at",
        ]


class HeldMessageRemoveInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Told to the sender."
    )
