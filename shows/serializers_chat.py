from rest_framework import serializers

from .selectors_chat import HISTORY_PAGE_MAX, SNAPSHOT_MESSAGES


class ChatHistoryInputSerializer(serializers.Serializer):
    before = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="Only messages older than this message id."
    )
    limit = serializers.IntegerField(min_value=1, max_value=HISTORY_PAGE_MAX, default=SNAPSHOT_MESSAGES)
    key = serializers.CharField(max_length=64, required=False, help_text="A private show's link secret.")


class ChatSenderOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChatProductOutputSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    title = serializers.CharField()
    price_cents = serializers.IntegerField()
    currency = serializers.CharField()


class ChatMessageOutputSerializer(serializers.Serializer):
    """The same shape as a `chat.posted` event's `message` (docs/protocol.md)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["chat", "system", "product"])
    text = serializers.CharField()
    sender = ChatSenderOutputSerializer(allow_null=True)
    is_host = serializers.BooleanField()
    product = ChatProductOutputSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class ShowStatsOutputSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text="Sockets in the room now (0 once the show is over).")
    peak = serializers.IntegerField()
    unique = serializers.IntegerField(help_text="Different people (and anonymous visitors) who came in.")
    sessions = serializers.IntegerField(help_text="Visits: a person on two devices is two.")
    average_watch_seconds = serializers.IntegerField()
    chat_messages = serializers.IntegerField()
    reactions = serializers.IntegerField()
    reaction_counts = serializers.DictField(child=serializers.IntegerField())
    product_clicks = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue_cents = serializers.IntegerField()
