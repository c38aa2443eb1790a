from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("account/moderation/", views.standing, name="standing"),
]
