from django.urls import path

from . import apis_video

app_name = "shows"

urlpatterns: list = [
    path("webhooks/livekit/", apis_video.LiveKitWebhookApi.as_view(), name="livekit_webhook"),
]
