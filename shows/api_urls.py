from django.urls import path

from . import apis_chat, apis_video

urlpatterns: list = [
    path("shows/<int:show_id>/video-token/", apis_video.ShowVideoTokenApi.as_view(), name="show-video-token"),
    path("shows/<int:show_id>/messages/", apis_chat.ShowMessageListApi.as_view(), name="show-messages"),
    path("shows/<int:show_id>/stats/", apis_chat.ShowStatsApi.as_view(), name="show-stats"),
]
