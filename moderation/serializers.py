from rest_framework import serializers

from commerce.serializers import StrictInputSerializer
from tokshop.users.models import User
from tokshop.users.models import VerificationStatus as ShopVerification

from .models import (
    EntityType,
    ModerationPattern,
    ModerationWord,
    PatternAction,
    SellerModerator,
    SlowMode,
    VerificationRequest,
)
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


class ModeratorInputSerializer(StrictInputSerializer):
    email = serializers.EmailField(help_text="The e-mail address the person signs in to Tokshop with.")


class ModeratorOutputSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="moderator.id", read_only=True)
    display_name = serializers.CharField(source="moderator.display_name", read_only=True)
    email = serializers.EmailField(source="moderator.email", read_only=True)

    class Meta:
        model = SellerModerator
        fields = ["user_id", "display_name", "email", "appointed_at"]


class ModeratedSellerOutputSerializer(serializers.ModelSerializer):
    shop_name = serializers.SerializerMethodField()
    shop_slug = serializers.SerializerMethodField()
    is_own = serializers.SerializerMethodField(help_text="Your own shop: you moderate it as its seller.")

    class Meta:
        model = User
        fields = ["id", "display_name", "shop_name", "shop_slug", "is_own"]

    def get_shop_name(self, seller: User) -> str:
        profile = getattr(seller, "seller_profile", None)
        return profile.shop_name if profile is not None else seller.display_name

    def get_shop_slug(self, seller: User) -> str | None:
        profile = getattr(seller, "seller_profile", None)
        return profile.slug if profile is not None else None

    def get_is_own(self, seller: User) -> bool:
        return bool(seller.pk == self.context["actor"].pk)


class ModeratingOutputSerializer(serializers.Serializer):
    everywhere = serializers.BooleanField(help_text="You are one of Tokshop's moderators: you act in every show.")
    sellers = ModeratedSellerOutputSerializer(many=True, help_text="The sellers whose shows you moderate.")


class VerificationInputSerializer(StrictInputSerializer):
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    legal_name = serializers.CharField(max_length=200, help_text="As on the ID document or company registration.")
    business_name = serializers.CharField(max_length=200, help_text="The shop or trading name.")
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="Two-letter code, such as US.")
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20)
    phone = serializers.RegexField(r"^\+?[0-9 ()\-]{6,20}$", help_text="With the country code: +1 555 010 0199.")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None, help_text="Individuals.")
    company_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Companies."
    )
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    document = serializers.FileField(help_text="An ID document or company registration: PDF, JPEG, PNG or WebP, 5 MB.")


class VerificationRequestOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = VerificationRequest
        fields = [
            "id",
            "status",
            "entity_type",
            "legal_name",
            "business_name",
            "country",
            "address_line1",
            "address_line2",
            "city",
            "postal_code",
            "phone",
            "date_of_birth",
            "company_number",
            "tax_id",
            "created_at",
            "reviewed_at",
            "rejection_reason",
        ]


class VerificationOutputSerializer(serializers.Serializer):
    verification_status = serializers.ChoiceField(
        choices=ShopVerification.choices, help_text="Where the shop stands; `verified` shows the badge."
    )
    request = VerificationRequestOutputSerializer(allow_null=True, help_text="The latest request, if any.")
