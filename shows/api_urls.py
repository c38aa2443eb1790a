from django.urls import path

from . import apis_chat, apis_interact, apis_shows, apis_video

# Shows, the host's shows and schedules, follows and reminders.
urlpatterns = [
    path("shows/", apis_shows.ShowListApi.as_view(), name="shows"),
    path("shows/<int:show_id>/", apis_shows.ShowDetailApi.as_view(), name="show"),
    path("shows/<int:show_id>/reminder/", apis_shows.ShowReminderApi.as_view(), name="show-reminder"),
    path("me/reminders/", apis_shows.ReminderListApi.as_view(), name="my-reminders"),
    path("me/following/", apis_shows.FollowingListApi.as_view(), name="my-following"),
    path("sellers/<int:seller_id>/follow/", apis_shows.SellerFollowApi.as_view(), name="seller-follow"),
    path("seller/shows/", apis_shows.SellerShowListCreateApi.as_view(), name="seller-shows"),
    path("seller/shows/<int:show_id>/", apis_shows.SellerShowDetailApi.as_view(), name="seller-show"),
    path(
        "seller/shows/<int:show_id>/thumbnail/",
        apis_shows.SellerShowThumbnailApi.as_view(),
        name="seller-show-thumbnail",
    ),
    path(
        "seller/shows/<int:show_id>/moderators/",
        apis_shows.SellerShowModeratorListCreateApi.as_view(),
        name="seller-show-moderators",
    ),
    path(
        "seller/shows/<int:show_id>/moderators/<int:user_id>/",
        apis_shows.SellerShowModeratorDeleteApi.as_view(),
        name="seller-show-moderator",
    ),
    path("seller/shows/<int:show_id>/lineup/", apis_shows.SellerShowLineupApi.as_view(), name="seller-show-lineup"),
    path("seller/shows/<int:show_id>/go-live/", apis_shows.SellerShowGoLiveApi.as_view(), name="seller-show-go-live"),
    path("seller/shows/<int:show_id>/pause/", apis_shows.SellerShowPauseApi.as_view(), name="seller-show-pause"),
    path("seller/shows/<int:show_id>/resume/", apis_shows.SellerShowResumeApi.as_view(), name="seller-show-resume"),
    path("seller/shows/<int:show_id>/end/", apis_shows.SellerShowEndApi.as_view(), name="seller-show-end"),
    path("seller/shows/<int:show_id>/cancel/", apis_shows.SellerShowCancelApi.as_view(), name="seller-show-cancel"),
    path("seller/shows/<int:show_id>/restart/", apis_shows.SellerShowRestartApi.as_view(), name="seller-show-restart"),
    path("seller/schedules/", apis_shows.SellerScheduleListCreateApi.as_view(), name="seller-schedules"),
    path("seller/schedules/<int:schedule_id>/", apis_shows.SellerScheduleDetailApi.as_view(), name="seller-schedule"),
    path(
        "seller/schedules/<int:schedule_id>/stop/",
        apis_shows.SellerScheduleStopApi.as_view(),
        name="seller-schedule-stop",
    ),
    path("shows/<int:show_id>/video-token/", apis_video.ShowVideoTokenApi.as_view(), name="show-video-token"),
    path("shows/<int:show_id>/messages/", apis_chat.ShowMessageListApi.as_view(), name="show-messages"),
    path("shows/<int:show_id>/stats/", apis_chat.ShowStatsApi.as_view(), name="show-stats"),
    path("shows/<int:show_id>/questions/", apis_interact.ShowQuestionListApi.as_view(), name="show-questions"),
    path("shows/<int:show_id>/polls/", apis_interact.ShowPollListApi.as_view(), name="show-polls"),
    path("flash-sales/<int:sale_id>/buy/", apis_interact.FlashSaleBuyApi.as_view(), name="flash-sale-buy"),
]
