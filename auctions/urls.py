from django.urls import path

from . import views_settlement

app_name = "auctions"

urlpatterns = [
    path("seller/auctions/<int:auction_id>/", views_settlement.seller_auction, name="seller_auction"),
    path("auctions/offers/<int:offer_id>/", views_settlement.offer_detail, name="offer"),
    path("auctions/offers/<int:offer_id>/accept/", views_settlement.offer_accept_view, name="offer_accept"),
    path("auctions/offers/<int:offer_id>/refuse/", views_settlement.offer_refuse_view, name="offer_refuse"),
]
