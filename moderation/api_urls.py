from django.urls import path

from . import apis, apis_reports

urlpatterns = [
    path("seller/moderation/words/", apis.SellerMuteWordListCreateApi.as_view(), name="seller-mute-words"),
    path("seller/moderation/words/<int:word_id>/", apis.SellerMuteWordDeleteApi.as_view(), name="seller-mute-word"),
    path("seller/moderation/patterns/", apis.SellerPatternListCreateApi.as_view(), name="seller-patterns"),
    path("seller/moderation/patterns/<int:pattern_id>/", apis.SellerPatternDeleteApi.as_view(), name="seller-pattern"),
    path("seller/moderation/slow-mode/", apis.SellerSlowModeApi.as_view(), name="seller-slow-mode"),
    path("me/sanctions/", apis.MySanctionListApi.as_view(), name="my-sanctions"),
    path("appeals/", apis.AppealListCreateApi.as_view(), name="appeals"),
    path("moderation/sanctions/", apis.ModerationSanctionListCreateApi.as_view(), name="moderation-sanctions"),
    path(
        "moderation/sanctions/<int:sanction_id>/lift/",
        apis.ModerationSanctionLiftApi.as_view(),
        name="moderation-sanction-lift",
    ),
    path("moderation/appeals/", apis.ModerationAppealListApi.as_view(), name="moderation-appeals"),
    path(
        "moderation/appeals/<int:appeal_id>/decide/",
        apis.ModerationAppealDecideApi.as_view(),
        name="moderation-appeal-decide",
    ),
    path("seller/verification/", apis.SellerVerificationApi.as_view(), name="seller-verification"),
    path("seller/moderation/moderators/", apis.SellerModeratorListCreateApi.as_view(), name="seller-moderators"),
    path(
        "seller/moderation/moderators/<int:user_id>/",
        apis.SellerModeratorDeleteApi.as_view(),
        name="seller-moderator",
    ),
    path("me/moderating/", apis.MeModeratingApi.as_view(), name="me-moderating"),
]

# Reports, and the held messages of the shows the caller moderates.
urlpatterns += [
    path("reports/", apis_reports.ReportListCreateApi.as_view(), name="reports"),
    path("moderation/held/", apis_reports.HeldMessageListApi.as_view(), name="held-messages"),
    path(
        "moderation/held/<int:held_id>/release/",
        apis_reports.HeldMessageReleaseApi.as_view(),
        name="held-message-release",
    ),
    path(
        "moderation/held/<int:held_id>/remove/",
        apis_reports.HeldMessageRemoveApi.as_view(),
        name="held-message-remove",
    ),
]
