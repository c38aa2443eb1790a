from django.urls import path

from . import apis, apis_settlement

# A show's auctions, bidding, and the host's controls.
urlpatterns = [
    path("shows/<int:show_id>/auctions/", apis.ShowAuctionListCreateApi.as_view(), name="show-auctions"),
    path("auctions/<int:auction_id>/", apis.AuctionDetailApi.as_view(), name="auction"),
    path("auctions/<int:auction_id>/open/", apis.AuctionOpenApi.as_view(), name="auction-open"),
    path("auctions/<int:auction_id>/cancel/", apis.AuctionCancelApi.as_view(), name="auction-cancel"),
    path("auctions/<int:auction_id>/bids/", apis.AuctionBidListCreateApi.as_view(), name="auction-bids"),
    path("auctions/<int:auction_id>/buy-now/", apis.AuctionBuyNowApi.as_view(), name="auction-buy-now"),
    path("me/auctions/", apis.MyAuctionListApi.as_view(), name="my-auctions"),
    path("seller/auction-increments/", apis.SellerIncrementsApi.as_view(), name="seller-auction-increments"),
]

# Settlement: the seller's timeline of an auction, a buyer's offers and their answers.
urlpatterns += [
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
