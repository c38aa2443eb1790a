from django.urls import path

from . import apis_settlement

urlpatterns = [
    path(
        "seller/auctions/<int:auction_id>/events/",
        apis_settlement.SellerAuctionEventListApi.as_view(),
        name="seller-auction-events",
    ),
    path("auctions/offers/", apis_settlement.OfferListApi.as_view(), name="auction-offers"),
    path(
        "auctions/offers/<int:offer_id>/accept/", apis_settlement.OfferAcceptApi.as_view(), name="auction-offer-accept"
    ),
    path(
        "auctions/offers/<int:offer_id>/refuse/", apis_settlement.OfferRefuseApi.as_view(), name="auction-offer-refuse"
    ),
]
