from rest_framework import serializers

from .models import MAX_ID, Notification, NotificationKind


class NotificationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class UnreadCountOutputSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class ReadManyInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=100, required=False
    )


class ReadOutputSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="How many notifications were newly marked read.")
    unread_count = serializers.IntegerField()


PreferencesSerializer = type(
    "NotificationPreferencesSerializer",
    (serializers.Serializer,),
    {
        kind.value: serializers.BooleanField(required=False, help_text=f"E-mail {kind.label.lower()}.")
        for kind in NotificationKind
    },
)
