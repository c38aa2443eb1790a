"""The auctions API's shapes: inputs checked here, outputs as the room's payloads (docs/protocol.md)."""

from typing import Any

from rest_framework import serializers

from .increments import DEFAULT_INCREMENTS
from .models import AuctionMode, AuctionOutcome, AuctionStatus, Bid, Eligibility


class AuctionProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    image = serializers.CharField(allow_null=True)


class AuctionOutputSerializer(serializers.Serializer):
    """An auction as the room shows it; the engine's live figures while it runs."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AuctionStatus.choices)
    mode = serializers.ChoiceField(choices=AuctionMode.choices)
    eligibility = serializers.ChoiceField(choices=Eligibility.choices)
    currency = serializers.CharField()
    product = AuctionProductSerializer()
    starting_cents = serializers.IntegerField()
    price_cents = serializers.IntegerField(help_text="0 before the first bid.")
    next_minimum_cents = serializers.IntegerField()
    increments = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    leader_name = serializers.CharField()
    bid_count = serializers.IntegerField()
    ends_at = serializers.IntegerField(
        allow_null=True, help_text="Milliseconds since the epoch, by the server's clock."
    )
    duration_seconds = serializers.IntegerField()
    window_seconds = serializers.IntegerField()
    extensions = serializers.IntegerField()
    max_extensions = serializers.IntegerField()
    buy_now_cents = serializers.IntegerField(allow_null=True)
    has_reserve = serializers.BooleanField()
    reserve_met = serializers.BooleanField(allow_null=True)
    allow_prebids = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=AuctionOutcome.choices, allow_blank=True)
    winner_name = serializers.CharField()
    your_max_cents = serializers.IntegerField(required=False, allow_null=True)
    you_lead = serializers.BooleanField(required=False)


class AuctionCreateInputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(help_text="A product in the show's lineup.")
    open_now = serializers.BooleanField(default=True, help_text="False: the auction waits to be opened.")
    starting_cents = serializers.IntegerField(required=False, min_value=1, max_value=10_000_000)
    duration_seconds = serializers.IntegerField(required=False, min_value=5, max_value=300)
    mode = serializers.ChoiceField(choices=AuctionMode.choices, required=False)
    window_seconds = serializers.IntegerField(required=False, min_value=5, max_value=20)
    max_extensions = serializers.IntegerField(required=False, min_value=0, max_value=50)
    hard_stop_seconds = serializers.IntegerField(required=False, min_value=0, max_value=600)
    eligibility = serializers.ChoiceField(choices=Eligibility.choices, required=False)
    reserve_cents = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000_000)
    buy_now_cents = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000_000)
    allow_prebids = serializers.BooleanField(required=False)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare: a bidder or a price smuggled into a bid is an error, not ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unexpected = sorted(set(data) - set(self.fields))
            if unexpected:
                raise serializers.ValidationError(
                    {name[:40]: ["This request does not take this field."] for name in unexpected[:5]},
                    code="unexpected_field",
                )
        return super().to_internal_value(data)


class BidInputSerializer(StrictSerializer):
    # Checked by the bid service itself (whole cents, 1 to 10,000,000), the same for the socket.
    amount_cents = serializers.JSONField(help_text="Your max, in whole cents (1 to 10,000,000).")
    ref = serializers.CharField(
        max_length=64, help_text="Your own id for this bid: the same ref again is the same bid (safe to retry)."
    )
    confirm = serializers.BooleanField(default=False, help_text="True to place a bid five or more times the price.")


class BuyNowInputSerializer(StrictSerializer):
    ref = serializers.CharField(max_length=64)


class BidAcceptedSerializer(serializers.Serializer):
    auction_id = serializers.IntegerField()
    bid_count = serializers.IntegerField(help_text="This bid's number in the auction.")
    price_cents = serializers.IntegerField()
    leading = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=["leading", "outbid", "bought_now"])
    your_max_cents = serializers.IntegerField()
    ends_at = serializers.IntegerField()
    next_minimum_cents = serializers.IntegerField()
    replayed = serializers.BooleanField(help_text="True: this ref was placed before; this is its answer again.")


class BidOutputSerializer(serializers.Serializer):
    """A bid as anyone may see it: the price it left, never the bidder's max."""

    seq = serializers.IntegerField()
    bidder_name = serializers.CharField()
    price_cents = serializers.IntegerField()
    is_buy_now = serializers.BooleanField()
    received_at = serializers.DateTimeField()

    def to_representation(self, instance: Bid) -> dict[str, Any]:
        return {
            "seq": instance.seq,
            "bidder_name": instance.bidder.display_name,
            "price_cents": instance.price_cents,
            "is_buy_now": instance.is_buy_now,
            "received_at": instance.received_at.isoformat(),
        }


class MyAuctionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    show_id = serializers.IntegerField()
    product_title = serializers.CharField()
    status = serializers.ChoiceField(choices=AuctionStatus.choices)
    outcome = serializers.ChoiceField(choices=AuctionOutcome.choices, allow_blank=True)
    price_cents = serializers.IntegerField()
    your_max_cents = serializers.IntegerField()
    won = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)


class IncrementsSerializer(serializers.Serializer):
    increments = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text=f"Rows of [from_cents, step_cents], the first from 0, ascending. Default: {DEFAULT_INCREMENTS}.",
    )
