from django.urls import path

from . import apis_video

urlpatterns: list = [
    path("shows/<int:show_id>/video-token/", apis_video.ShowVideoTokenApi.as_view(), name="show-video-token"),
]
