"""API of payments: saved cards, the order's PaymentIntent, seller refunds, and Stripe's webhook."""

from typing import Any

import stripe
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.schema import errors

from . import serializers_payments as serializers
from .apis import IsSeller, _order_body
from .payments import stripe_enabled
from .payments.stripe_gateway import IntentSecret
from .selectors import order_get_for_seller
from .serializers import OrderOutputSerializer
from .services.payments import (
    PAYMENTS_UNAVAILABLE,
    card_default_set,
    card_list,
    card_remove,
    card_setup_start,
    order_payment_start,
)
from .services.refunds import order_refund
from .services.webhooks import webhook_event_receive


class StripeApi(APIView):
    """Stripe unreachable or refusing a call is the client's 503, in the API's one error shape."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, stripe.StripeError):
            exc = ApplicationError(PAYMENTS_UNAVAILABLE, code="payments_unavailable", status=503)
        return super().handle_exception(exc)


STRIPE_409 = "409 `stripe_not_configured` while the site runs the built-in test gateway."


def _secret_body(intent: IntentSecret) -> Any:
    return serializers.IntentSecretOutputSerializer(
        {**intent.__dict__, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY}
    ).data


def _cards_body(request: Request) -> Any:
    return serializers.SavedCardOutputSerializer(card_list(user=request_user(request)), many=True).data


class PaymentMethodListApi(StripeApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payment methods"],
        summary="Your saved cards, the default one first",
        description=STRIPE_409,
        responses={200: serializers.SavedCardOutputSerializer(many=True), **errors(401, 409, 503)},
    )
    def get(self, request: Request) -> Response:
        return Response(_cards_body(request))


class PaymentMethodSetupApi(StripeApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payment methods"],
        summary="Start saving a card",
        description=(
            "Answers a SetupIntent's client secret: confirm it with Stripe.js (`confirmSetup`) and the "
            "card is saved to your account; your first card becomes the default. " + STRIPE_409
        ),
        request=None,
        responses={201: serializers.IntentSecretOutputSerializer, **errors(401, 409, 503)},
    )
    def post(self, request: Request) -> Response:
        validated(serializers.NoInputSerializer, request)
        return Response(_secret_body(card_setup_start(user=request_user(request))), status=status.HTTP_201_CREATED)


PAYMENT_METHOD_ID = OpenApiParameter("payment_method_id", str, OpenApiParameter.PATH, description="pm_…")


class PaymentMethodDefaultApi(StripeApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payment methods"],
        summary="Make a saved card the default",
        description="The default card is the one charged for auctions you win. " + STRIPE_409,
        parameters=[PAYMENT_METHOD_ID],
        request=None,
        responses={200: serializers.SavedCardOutputSerializer(many=True), **errors(401, 404, 409, 503)},
    )
    def post(self, request: Request, payment_method_id: str) -> Response:
        validated(serializers.NoInputSerializer, request)
        card_default_set(user=request_user(request), payment_method_id=payment_method_id)
        return Response(_cards_body(request))


class PaymentMethodDeleteApi(StripeApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payment methods"],
        summary="Remove a saved card",
        description=STRIPE_409,
        parameters=[PAYMENT_METHOD_ID],
        responses={204: None, **errors(401, 404, 409, 503)},
    )
    def delete(self, request: Request, payment_method_id: str) -> Response:
        card_remove(user=request_user(request), payment_method_id=payment_method_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderPaymentIntentApi(StripeApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["orders"],
        summary="The payment of one of your orders, for Stripe.js",
        description=(
            "Answers the order's PaymentIntent (one per order, whatever the number of calls) for the "
            "Payment Element to confirm. The amount is the order's total as the server computed it; "
            "the order turns paid when Stripe reports the payment. " + STRIPE_409
        ),
        request=None,
        responses={200: serializers.IntentSecretOutputSerializer, **errors(401, 404, 409, 503)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        validated(serializers.NoInputSerializer, request)
        intent = order_payment_start(buyer=request_user(request), order_id=order_id)
        return Response(_secret_body(intent))


class SellerOrderRefundApi(StripeApi):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(
        tags=["seller orders"],
        summary="Refund a paid order in full or in part",
        description=(
            "Gives back `amount_cents`, or all that is left of the payment. The order turns partially "
            "refunded or refunded, and the buyer is told and e-mailed. Only the amount and a reason "
            "may be sent (400 on any other field); 409 when the order is not paid."
        ),
        request=serializers.OrderRefundInputSerializer,
        responses={200: OrderOutputSerializer, **errors(400, 401, 403, 404, 409, 503)},
    )
    def post(self, request: Request, order_id: int) -> Response:
        data = validated(serializers.OrderRefundInputSerializer, request)
        seller = request_user(request)
        order_refund(
            actor=seller,
            seller=seller,
            order_id=order_id,
            amount_cents=data.get("amount_cents"),
            reason=data["reason"],
        )
        return Response(_order_body(request, order_get_for_seller(seller=seller, order_id=order_id)))


class StripeWebhookApi(APIView):
    """Stripe's deliveries: no session, no CSRF (Stripe signs the body instead)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["webhooks"],
        summary="Stripe webhook endpoint",
        description=(
            "Takes Stripe's events, signed with the endpoint's secret (`Stripe-Signature`). A missing or "
            "wrong signature, a stale timestamp or an altered body is refused with 400 and nothing is "
            "stored; each event is stored once and processed once, whatever the number of deliveries."
        ),
        request={"application/json": {"type": "object"}},
        responses={200: serializers.WebhookReceivedOutputSerializer, **errors(400, 404)},
    )
    def post(self, request: Request) -> Response:
        if not stripe_enabled():
            raise NotFound("Stripe is not configured on this site.")
        # The signature covers the exact bytes Stripe sent, so the body is never parsed first.
        webhook_event_receive(payload=request._request.body, signature=request.headers.get("Stripe-Signature", ""))
        return Response({"received": True})
