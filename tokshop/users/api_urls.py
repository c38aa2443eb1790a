from django.urls import path

from . import apis

urlpatterns = [
    path("auth/signup/", apis.SignupApi.as_view(), name="signup"),
    path("auth/verify-email/", apis.VerifyEmailApi.as_view(), name="verify-email"),
    path("auth/tokens/", apis.ApiTokenListCreateApi.as_view(), name="tokens"),
    path("auth/tokens/<int:token_id>/", apis.ApiTokenRevokeApi.as_view(), name="token-revoke"),
    path("auth/ws-ticket/", apis.WsTicketApi.as_view(), name="ws-ticket"),
    path("me/", apis.MeApi.as_view(), name="me"),
]
