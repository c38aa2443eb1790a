from django.urls import path

from . import views_giveaways

app_name = "giveaways"

urlpatterns = [
    path("giveaways/<int:giveaway_id>/rules/", views_giveaways.giveaway_rules, name="rules"),
]
