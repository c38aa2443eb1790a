from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("seller/verification/", views.seller_verification, name="seller_verification"),
]
