from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commerce.serializers import StrictInputSerializer
from tokshop.users.models import User
from tokshop.users.models import VerificationStatus as ShopVerification

from .models import (
    AppealStatus,
    EntityType,
    ModerationPattern,
    ModerationWord,
    PatternAction,
    Sanction,
    SanctionKind,
    SanctionScope,
    SellerModerator,
    SlowMode,
    VerificationRequest,
)
from .services.appeals import APPEAL_MAX_LENGTH
from .services.rules import WORD_MAX_LENGTH
from .services.sanctions import sanction_imposed_by, sanction_where

ID_MAX = 2**63 - 1


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


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class SanctionBaseSerializer(serializers.Serializer):
    """What every reader of a sanction is shown: what, where (naming the seller), why, until when."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    scope = serializers.ChoiceField(choices=SanctionScope.choices)
    where = serializers.SerializerMethodField(help_text="Where it holds, in words.")
    seller = PersonSerializer(allow_null=True, help_text="The seller whose shows it covers; null everywhere.")
    show_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    is_automatic = serializers.BooleanField(help_text="Imposed by Tokshop itself (repeated warnings, abuse).")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Null: until lifted (or, a warning, for good).")
    revoked_at = serializers.DateTimeField(allow_null=True, help_text="When it was lifted or withdrawn.")
    in_force = serializers.SerializerMethodField()

    def get_where(self, sanction: Sanction) -> str:
        return sanction_where(sanction)

    def get_in_force(self, sanction: Sanction) -> bool:
        return sanction.is_in_force(timezone.now())


class AppealSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AppealStatus.choices)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class MySanctionOutputSerializer(SanctionBaseSerializer):
    """A person's own sanction: never which moderator imposed it."""

    imposed_by = serializers.SerializerMethodField(help_text='"a moderator" or "Tokshop".')
    appeal = serializers.SerializerMethodField()

    def get_imposed_by(self, sanction: Sanction) -> str:
        return sanction_imposed_by(sanction)

    @extend_schema_field(AppealSummarySerializer(allow_null=True))
    def get_appeal(self, sanction: Sanction) -> dict[str, object] | None:
        appeal = getattr(sanction, "appeal", None)
        return AppealSummarySerializer(appeal).data if appeal is not None else None


class SanctionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    where = serializers.SerializerMethodField()
    seller = PersonSerializer(allow_null=True)
    reason = serializers.CharField()

    def get_where(self, sanction: Sanction) -> str:
        return sanction_where(sanction)


class AppealOutputSerializer(AppealSummarySerializer):
    sanction = SanctionSummarySerializer()


class AppealInputSerializer(StrictInputSerializer):
    sanction_id = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="One of your sanctions.")
    text = serializers.CharField(max_length=APPEAL_MAX_LENGTH, help_text="Why you think it is wrong.")


class ModeratedSanctionOutputSerializer(SanctionBaseSerializer):
    user = PersonSerializer(help_text="The person sanctioned.")


class ModeratedAppealOutputSerializer(AppealSummarySerializer):
    user = PersonSerializer(help_text="The person appealing.")
    sanction = ModeratedSanctionOutputSerializer()


class SanctionFilterSerializer(StrictInputSerializer):
    seller = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, help_text="Only sanctions in this seller's shows."
    )


class SanctionImposeInputSerializer(StrictInputSerializer):
    user_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    reason = serializers.CharField(max_length=500)
    scope = serializers.ChoiceField(choices=SanctionScope.choices, help_text="global is for staff moderators.")
    seller_id = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="For seller and show scopes.",
    )
    show_id = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, allow_null=True, default=None, help_text="show scope."
    )
    duration_minutes = serializers.IntegerField(
        min_value=1,
        max_value=60 * 24 * 365,
        required=False,
        allow_null=True,
        default=None,
        help_text="Mutes and bans; null or absent: until lifted. Warnings have none.",
    )


class SanctionLiftInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AppealDecideInputSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=[("grant", "Grant"), ("deny", "Deny")])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


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
