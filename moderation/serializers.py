from rest_framework import serializers

from commerce.serializers import StrictInputSerializer

from .models import ModerationPattern, ModerationWord, PatternAction, SlowMode
from .services.rules import WORD_MAX_LENGTH


class MuteWordInputSerializer(StrictInputSerializer):
    word = serializers.CharField(max_length=WORD_MAX_LENGTH, help_text="A word or phrase to mute in your shows.")


class MuteWordOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModerationWord
        fields = ["id", "word", "created_at"]


class PatternInputSerializer(StrictInputSerializer):
    pattern = serializers.CharField(
        max_length=200, trim_whitespace=False, help_text="An RE2 regular expression, matched ignoring case."
    )
    action = serializers.ChoiceField(choices=PatternAction.choices, default=PatternAction.HOLD)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PatternOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModerationPattern
        fields = ["id", "pattern", "action", "description", "created_at"]


class SlowModeInputSerializer(StrictInputSerializer):
    seconds = serializers.IntegerField(min_value=0, max_value=3600, help_text="Seconds between messages; 0 is off.")
    show_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="One of your shows; empty for your default.",
    )


class SlowModeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlowMode
        fields = ["show_id", "seconds"]
