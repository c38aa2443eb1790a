from django.urls import path

from . import views

app_name = "auctions"

urlpatterns = [
    path("shows/<int:show_id>/auctions/", views.show_auctions, name="show"),
    path("account/auctions/", views.account_auctions, name="account"),
    path("seller/auctions/increments/", views.seller_increments, name="seller_increments"),
]
