"""The shows API's shapes: what the PWA sends (input) and reads (output)."""

from typing import Any

from rest_framework import serializers

from commerce.serializers import CategoryOutputSerializer, ShopRefOutputSerializer

from .models import WEEKDAY_NAMES, Follow, Frequency, LineupItem, Show, ShowReminder, ShowSchedule, Visibility
from .selectors import WHEN_STATUSES

# Fields that decide who owns a show or where it stands: refused, never silently dropped.
PROTECTED_FIELDS = (
    "id",
    "seller",
    "seller_id",
    "status",
    "started_at",
    "ended_at",
    "private_token",
    "schedule",
    "schedule_id",
    "stopped_at",
)
ID_MAX = 2**63 - 1


class ProtectedFieldsMixin(serializers.Serializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = [name for name in PROTECTED_FIELDS if name in self.initial_data]
        if sent:
            raise serializers.ValidationError({name: ["This field cannot be set."] for name in sent})
        return attrs


class SellerRefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    shop = ShopRefOutputSerializer(source="seller_profile", allow_null=True)


class LineupItemOutputSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    title = serializers.CharField(source="product.title")
    price_cents = serializers.IntegerField(source="product.price_cents")
    currency = serializers.CharField(source="product.currency")
    url = serializers.CharField(source="product.get_absolute_url")

    class Meta:
        model = LineupItem
        fields = ["id", "position", "product_id", "title", "price_cents", "currency", "url"]


class ShowOutputSerializer(serializers.ModelSerializer):
    seller = SellerRefOutputSerializer(read_only=True)
    category = CategoryOutputSerializer(read_only=True, allow_null=True)
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    lineup = LineupItemOutputSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    ws_url = serializers.SerializerMethodField(help_text="The live room's socket path.")

    class Meta:
        model = Show
        fields = [
            "id",
            "title",
            "description",
            "thumbnail",
            "category",
            "tags",
            "seller",
            "scheduled_start",
            "status",
            "visibility",
            "started_at",
            "ended_at",
            "max_viewers",
            "chat_enabled",
            "questions_enabled",
            "lineup",
            "url",
            "ws_url",
        ]

    def get_ws_url(self, show: Show) -> str:
        return f"/ws/shows/{show.pk}/"


class HostShowOutputSerializer(ShowOutputSerializer):
    private_token = serializers.CharField(
        read_only=True, help_text="The secret of a private show's link: `url?key=<private_token>`."
    )
    schedule_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta(ShowOutputSerializer.Meta):
        fields = [*ShowOutputSerializer.Meta.fields, "private_token", "schedule_id", "cancelled_at", "restarted_at"]


class ShowSearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Words to search for.")
    when = serializers.ChoiceField(
        choices=[(w, w) for w in WHEN_STATUSES],
        required=False,
        help_text="live, upcoming or ended; without it, live and upcoming shows.",
    )
    seller_id = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    category = serializers.SlugField(required=False, help_text="A category slug (subcategories included).")


class ShowDetailInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64, required=False, help_text="The secret of a private show's link.")


class ShowInputSerializer(ProtectedFieldsMixin):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=10, required=False, help_text="Up to 10 tags."
    )
    scheduled_start = serializers.DateTimeField(help_text="ISO 8601 with its offset; stored in UTC.")
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    max_viewers = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    chat_enabled = serializers.BooleanField(required=False)
    questions_enabled = serializers.BooleanField(required=False)
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=50,
        required=False,
        help_text="The lineup, in order.",
    )


class ShowUpdateInputSerializer(ShowInputSerializer):
    """A PATCH: only the fields sent change; the lineup has its own endpoint."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "product_ids" in self.initial_data:
            raise serializers.ValidationError({"product_ids": ["Change the lineup with PUT …/lineup/."]})
        return super().validate(attrs)


class ThumbnailInputSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG, PNG or WebP picture under 5 MB.")


class LineupInputSerializer(serializers.Serializer):
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=50,
        help_text="Your products, in the order you will show them.",
    )


class ScheduleOutputSerializer(serializers.ModelSerializer):
    category = CategoryOutputSerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    weekdays = serializers.ListField(
        source="weekday_list", child=serializers.IntegerField(), help_text="0 is Monday, 6 is Sunday."
    )
    product_ids = serializers.SerializerMethodField(help_text="The default lineup of each show, in order.")
    is_running = serializers.BooleanField()
    # A wall-clock time in `time_zone` (OpenAPI's "time" format would need an offset it does not have).
    time_of_day = serializers.CharField(help_text="HH:MM:SS, local to `time_zone`.")

    class Meta:
        model = ShowSchedule
        fields = [
            "id",
            "title",
            "description",
            "category",
            "tags",
            "visibility",
            "max_viewers",
            "chat_enabled",
            "questions_enabled",
            "frequency",
            "weekdays",
            "time_of_day",
            "time_zone",
            "starts_on",
            "ends_on",
            "is_running",
            "stopped_at",
            "product_ids",
        ]

    def get_tags(self, schedule: ShowSchedule) -> list[str]:
        return [tag for tag in schedule.tags.split(",") if tag]

    def get_product_ids(self, schedule: ShowSchedule) -> list[int]:
        return [item.product_id for item in schedule.lineup.all()]


class ScheduleInputSerializer(ProtectedFieldsMixin):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), max_length=10, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    max_viewers = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    chat_enabled = serializers.BooleanField(required=False)
    questions_enabled = serializers.BooleanField(required=False)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        required=False,
        help_text=f"Days of a weekly schedule: 0 ({WEEKDAY_NAMES[0]}) to 6 ({WEEKDAY_NAMES[6]}).",
    )
    time_of_day = serializers.TimeField(help_text="Local time in `time_zone`, e.g. 19:30.")
    time_zone = serializers.CharField(max_length=64, help_text="An IANA zone such as Europe/Paris.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), max_length=50, required=False
    )


class FollowOutputSerializer(serializers.ModelSerializer):
    seller = SellerRefOutputSerializer(read_only=True)

    class Meta:
        model = Follow
        fields = ["seller", "created_at"]


class ReminderOutputSerializer(serializers.ModelSerializer):
    show = ShowOutputSerializer(read_only=True)

    class Meta:
        model = ShowReminder
        fields = ["show", "created_at", "notified_at"]


class ReminderInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64, required=False, help_text="The secret of a private show's link.")
