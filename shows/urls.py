from django.urls import path

from . import apis_video, views, views_seller

app_name = "shows"

urlpatterns = [
    path("shows/", views.show_list, name="list"),
    path("shows/following/", views.following, name="following"),
    path("shows/seller/<int:seller_id>/", views.seller_show_list, name="seller"),
    path("shows/seller/<int:seller_id>/follow/", views.follow_toggle, name="follow"),
    path("shows/<int:show_id>/", views.room, name="room"),
    path("shows/<int:show_id>/remind/", views.remind_toggle, name="remind"),
    # The seller's pages
    path("seller/shows/", views_seller.seller_shows, name="seller_shows"),
    path("seller/shows/new/", views_seller.seller_show_new, name="seller_show_new"),
    path("seller/shows/<int:show_id>/edit/", views_seller.seller_show_edit, name="seller_show_edit"),
    path("seller/shows/<int:show_id>/status/", views_seller.seller_show_status, name="seller_show_status"),
    path("seller/shows/<int:show_id>/console/", views_seller.console, name="console"),
    path("seller/shows/<int:show_id>/lineup/", views_seller.seller_lineup_add, name="seller_lineup_add"),
    path(
        "seller/shows/<int:show_id>/lineup/<int:item_id>/remove/",
        views_seller.seller_lineup_remove,
        name="seller_lineup_remove",
    ),
    path(
        "seller/shows/<int:show_id>/lineup/<int:item_id>/move/",
        views_seller.seller_lineup_move,
        name="seller_lineup_move",
    ),
    path(
        "seller/shows/<int:show_id>/moderators/",
        views_seller.seller_show_moderator_add,
        name="seller_show_moderator_add",
    ),
    path(
        "seller/shows/<int:show_id>/moderators/<int:user_id>/remove/",
        views_seller.seller_show_moderator_remove,
        name="seller_show_moderator_remove",
    ),
    path("seller/shows/schedules/new/", views_seller.seller_schedule_new, name="seller_schedule_new"),
    path(
        "seller/shows/schedules/<int:schedule_id>/edit/",
        views_seller.seller_schedule_edit,
        name="seller_schedule_edit",
    ),
    path(
        "seller/shows/schedules/<int:schedule_id>/stop/",
        views_seller.seller_schedule_stop,
        name="seller_schedule_stop",
    ),
    path("webhooks/livekit/", apis_video.LiveKitWebhookApi.as_view(), name="livekit_webhook"),
]
