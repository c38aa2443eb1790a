from django.urls import path

from . import views, views_settlement

app_name = "auctions"

urlpatterns = [
    path("shows/<int:show_id>/auctions/", views.show_auctions, name="show"),
    path("account/auctions/", views.account_auctions, name="account"),
    path("seller/auctions/increments/", views.seller_increments, name="seller_increments"),
    path("seller/auctions/<int:auction_id>/", views_settlement.seller_auction, name="seller_auction"),
    path("auctions/offers/<int:offer_id>/", views_settlement.offer_detail, name="offer"),
    path("auctions/offers/<int:offer_id>/accept/", views_settlement.offer_accept_view, name="offer_accept"),
    path("auctions/offers/<int:offer_id>/refuse/", views_settlement.offer_refuse_view, name="offer_refuse"),
]
