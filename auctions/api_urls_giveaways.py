from django.urls import path

from . import apis_giveaways

urlpatterns = [
    path("shows/<int:show_id>/giveaways/", apis_giveaways.ShowGiveawayListCreateApi.as_view(), name="show-giveaways"),
    path("giveaways/<int:giveaway_id>/enter/", apis_giveaways.GiveawayEnterApi.as_view(), name="giveaway-enter"),
    path("giveaways/<int:giveaway_id>/draw/", apis_giveaways.GiveawayDrawApi.as_view(), name="giveaway-draw"),
]
