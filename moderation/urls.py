from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("account/moderation/", views.standing, name="standing"),
    path("seller/verification/", views.seller_verification, name="seller_verification"),
    path("report/<slug:kind>/<int:object_id>/", views.report_page, name="report"),
    path("seller/moderation/", views.seller_moderation, name="seller"),
    path(
        "seller/moderation/moderators/<int:user_id>/remove/",
        views.seller_moderator_remove_view,
        name="seller_moderator_remove",
    ),
    path("seller/moderation/words/<int:word_id>/remove/", views.seller_word_remove_view, name="seller_word_remove"),
    path(
        "seller/moderation/patterns/<int:pattern_id>/remove/",
        views.seller_pattern_remove_view,
        name="seller_pattern_remove",
    ),
    path("moderation/", views.moderating, name="moderating"),
    path(
        "moderation/sellers/<int:seller_id>/sanctions/",
        views.moderating_sanction_impose,
        name="sanction_impose",
    ),
    path("moderation/sanctions/<int:sanction_id>/lift/", views.sanction_lift_view, name="sanction_lift"),
    path("moderation/held/<int:held_id>/release/", views.held_message_release_view, name="held_release"),
    path("moderation/held/<int:held_id>/remove/", views.held_message_remove_view, name="held_remove"),
    path("moderation/appeals/<int:appeal_id>/decide/", views.appeal_decide_view, name="appeal_decide"),
]
