from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokshop.core.apis import request_user, validated
from tokshop.core.ratelimit import client_ip, rate_limit_enforce
from tokshop.core.schema import errors

from . import serializers
from .selectors import api_token_list
from .services import (
    api_token_obtain,
    api_token_revoke,
    user_profile_update,
    user_signup,
    user_verify_email,
    ws_ticket_issue,
)


class SignupApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        tags=["auth"],
        summary="Create an account",
        description="Sends an e-mail with a verification link; sign-in works once the address is verified.",
        request=serializers.SignupInputSerializer,
        responses={201: serializers.MeOutputSerializer, **errors(400, 429)},
    )
    def post(self, request: Request) -> Response:
        rate_limit_enforce(scope="signup", key=client_ip(request))
        data = validated(serializers.SignupInputSerializer, request)
        with transaction.atomic():
            user = user_signup(**data)
        return Response(
            serializers.MeOutputSerializer(user, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class VerifyEmailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        tags=["auth"],
        summary="Verify an e-mail address",
        request=serializers.VerifyEmailInputSerializer,
        responses={200: serializers.MeOutputSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        user = user_verify_email(**validated(serializers.VerifyEmailInputSerializer, request))
        return Response(serializers.MeOutputSerializer(user, context={"request": request}).data)


class ApiTokenListCreateApi(APIView):
    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else list(super().get_permissions())

    @extend_schema(
        tags=["auth"],
        summary="List your device tokens",
        responses={200: serializers.ApiTokenOutputSerializer(many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        tokens = api_token_list(user=request_user(request))
        return Response(serializers.ApiTokenOutputSerializer(tokens, many=True).data)

    @extend_schema(
        tags=["auth"],
        summary="Sign in and obtain a device token",
        description=(
            "Exchanges e-mail and password for a bearer token (`Authorization: Bearer <token>`). "
            "Repeated failures lock the account out for a cool-off period (429 `locked_out`)."
        ),
        request=serializers.TokenObtainInputSerializer,
        responses={201: serializers.ApiTokenCreatedOutputSerializer, **errors(400, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        rate_limit_enforce(scope="login", key=client_ip(request))
        data = validated(serializers.TokenObtainInputSerializer, request)
        token, raw = api_token_obtain(request=request._request, **data)
        body = serializers.ApiTokenOutputSerializer(token).data
        return Response({**body, "token": raw}, status=status.HTTP_201_CREATED)


class ApiTokenRevokeApi(APIView):
    @extend_schema(tags=["auth"], summary="Revoke a device token", responses={204: None, **errors(401, 404)})
    def delete(self, request: Request, token_id: int) -> Response:
        api_token_revoke(user=request_user(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WsTicketApi(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Obtain a WebSocket ticket",
        description="A short-lived ticket that authenticates one socket: `wss://…/ws/notifications/?ticket=…`.",
        request=None,
        responses={201: serializers.WsTicketOutputSerializer, **errors(401, 429)},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        rate_limit_enforce(scope="ws_ticket", key=str(user.pk))
        ticket, expires_at = ws_ticket_issue(user=user)
        body = serializers.WsTicketOutputSerializer({"ticket": ticket, "expires_at": expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        tags=["account"],
        summary="Your profile and roles",
        responses={200: serializers.MeOutputSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(serializers.MeOutputSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        tags=["account"],
        summary="Change your display name or avatar",
        request=serializers.MeUpdateInputSerializer,
        responses={200: serializers.MeOutputSerializer, **errors(400, 401)},
    )
    def patch(self, request: Request) -> Response:
        data = validated(serializers.MeUpdateInputSerializer, request, partial=True)
        with transaction.atomic():
            user = user_profile_update(user=request_user(request), **data)
        return Response(serializers.MeOutputSerializer(user, context={"request": request}).data)
