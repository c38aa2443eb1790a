from django.urls import path

from . import apis_chat, apis_interact, apis_video

urlpatterns: list = [
    path("shows/<int:show_id>/video-token/", apis_video.ShowVideoTokenApi.as_view(), name="show-video-token"),
    path("shows/<int:show_id>/messages/", apis_chat.ShowMessageListApi.as_view(), name="show-messages"),
    path("shows/<int:show_id>/stats/", apis_chat.ShowStatsApi.as_view(), name="show-stats"),
    path("shows/<int:show_id>/questions/", apis_interact.ShowQuestionListApi.as_view(), name="show-questions"),
    path("shows/<int:show_id>/polls/", apis_interact.ShowPollListApi.as_view(), name="show-polls"),
    path("flash-sales/<int:sale_id>/buy/", apis_interact.FlashSaleBuyApi.as_view(), name="flash-sale-buy"),
]
