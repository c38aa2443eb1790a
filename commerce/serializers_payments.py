from rest_framework import serializers

from .serializers import StrictInputSerializer


class NoInputSerializer(StrictInputSerializer):
    """For operations that take no body: anything sent (an amount, a status) is refused."""


class SavedCardOutputSerializer(serializers.Serializer):
    id = serializers.CharField(source="card.id", help_text="Stripe's payment method id (pm_…).")
    brand = serializers.CharField(source="card.brand")
    last4 = serializers.CharField(source="card.last4")
    exp_month = serializers.IntegerField(source="card.exp_month")
    exp_year = serializers.IntegerField(source="card.exp_year")
    is_default = serializers.BooleanField(help_text="The card charged off-session, for auctions you win.")


class IntentSecretOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Hand to Stripe.js (confirmPayment or confirmSetup).")
    status = serializers.CharField()
    publishable_key = serializers.CharField()


class OrderRefundInputSerializer(StrictInputSerializer):
    amount_cents = serializers.IntegerField(
        min_value=1, required=False, help_text="Leave out to refund all that is left of the payment."
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WebhookReceivedOutputSerializer(serializers.Serializer):
    received = serializers.BooleanField()
