from rest_framework import serializers

from .models import ApiToken, SellerProfile, User


class SignupInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=60)


class VerifyEmailInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class SellerProfileOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SellerProfile
        fields = ["shop_name", "slug", "bio", "verification_status"]


class MeOutputSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    avatar = serializers.ImageField(read_only=True, allow_null=True)
    email_verified = serializers.BooleanField(source="is_email_verified", read_only=True)
    seller_profile = SellerProfileOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "avatar", "roles", "email_verified", "date_joined", "seller_profile"]


class MeUpdateInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=60, required=False)
    avatar = serializers.ImageField(required=False)
    avatar_clear = serializers.BooleanField(required=False, default=False)


class TokenObtainInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, default="Tokshop app", help_text="The device's name.")


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]


class ApiTokenCreatedOutputSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(help_text="The secret; shown this once only.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "token"]


class WsTicketOutputSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Pass as `?ticket=` when opening a socket; valid once.")
    expires_at = serializers.DateTimeField()
