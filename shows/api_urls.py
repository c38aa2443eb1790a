from django.urls import path

from .apis_interact import FlashSaleBuyApi, ShowPollListApi, ShowQuestionListApi

urlpatterns: list = [
    path("shows/<int:show_id>/questions/", ShowQuestionListApi.as_view(), name="show_questions"),
    path("shows/<int:show_id>/polls/", ShowPollListApi.as_view(), name="show_polls"),
    path("flash-sales/<int:sale_id>/buy/", FlashSaleBuyApi.as_view(), name="flash_sale_buy"),
]
