from django.urls import path

from . import apis

urlpatterns = [
    path("seller/moderation/words/", apis.SellerMuteWordListCreateApi.as_view(), name="seller-mute-words"),
    path("seller/moderation/words/<int:word_id>/", apis.SellerMuteWordDeleteApi.as_view(), name="seller-mute-word"),
    path("seller/moderation/patterns/", apis.SellerPatternListCreateApi.as_view(), name="seller-patterns"),
    path("seller/moderation/patterns/<int:pattern_id>/", apis.SellerPatternDeleteApi.as_view(), name="seller-pattern"),
    path("seller/moderation/slow-mode/", apis.SellerSlowModeApi.as_view(), name="seller-slow-mode"),
    path("seller/verification/", apis.SellerVerificationApi.as_view(), name="seller-verification"),
]
