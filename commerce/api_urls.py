from django.urls import path

from . import apis, apis_inventory, apis_payments, apis_reviews, apis_wishlist

urlpatterns = [
    path("seller/products/", apis.SellerProductListCreateApi.as_view(), name="seller-products"),
    path("seller/products/<int:product_id>/", apis.SellerProductDetailApi.as_view(), name="seller-product"),
    path(
        "seller/products/<int:product_id>/images/",
        apis.SellerProductImageCreateApi.as_view(),
        name="seller-product-images",
    ),
    path(
        "seller/products/<int:product_id>/images/<int:image_id>/",
        apis.SellerProductImageDeleteApi.as_view(),
        name="seller-product-image",
    ),
    path(
        "seller/products/<int:product_id>/stock/",
        apis.SellerProductStockAdjustApi.as_view(),
        name="seller-product-stock",
    ),
    path("products/suggest/", apis.ProductSuggestApi.as_view(), name="product-suggest"),
    path("products/", apis.ProductSearchApi.as_view(), name="products"),
    path("products/<int:product_id>/", apis.ProductDetailApi.as_view(), name="product"),
    path("cart/", apis.CartDetailApi.as_view(), name="cart"),
    path("cart/items/", apis.CartItemCreateApi.as_view(), name="cart-items"),
    path("cart/items/<int:item_id>/", apis.CartItemDetailApi.as_view(), name="cart-item"),
    path("checkout/", apis.CheckoutApi.as_view(), name="checkout"),
    path("orders/", apis.OrderListApi.as_view(), name="orders"),
    path("orders/<int:order_id>/", apis.OrderDetailApi.as_view(), name="order"),
    path("orders/<int:order_id>/pay/", apis.OrderPayApi.as_view(), name="order-pay"),
    path("orders/<int:order_id>/cancel/", apis.OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<int:order_id>/confirm-delivery/", apis.OrderConfirmDeliveryApi.as_view(), name="order-confirm"),
    path("seller/orders/", apis.SellerOrderListApi.as_view(), name="seller-orders"),
    path("seller/orders/<int:order_id>/ship/", apis.SellerOrderShipApi.as_view(), name="seller-order-ship"),
    path("categories/", apis.CategoryListApi.as_view(), name="categories"),
    # Stock thresholds and history, CSV imports.
    path(
        "seller/products/<int:product_id>/stock/history/",
        apis_inventory.SellerProductStockHistoryApi.as_view(),
        name="seller-product-stock-history",
    ),
    path(
        "seller/products/<int:product_id>/stock/thresholds/",
        apis_inventory.SellerProductStockThresholdsApi.as_view(),
        name="seller-product-stock-thresholds",
    ),
    path(
        "seller/products/imports/",
        apis_inventory.SellerProductImportListCreateApi.as_view(),
        name="seller-product-imports",
    ),
    path(
        "seller/products/imports/<int:import_id>/",
        apis_inventory.SellerProductImportDetailApi.as_view(),
        name="seller-product-import",
    ),
]

# Wishlists and reviews.
urlpatterns += [
    path("wishlist/", apis_wishlist.WishlistListApi.as_view(), name="wishlist"),
    path("wishlist/<int:product_id>/", apis_wishlist.WishlistItemApi.as_view(), name="wishlist-item"),
    path("products/<int:product_id>/reviews/", apis_reviews.ProductReviewListApi.as_view(), name="product-reviews"),
    path("shops/<slug:slug>/reviews/", apis_reviews.ShopReviewListApi.as_view(), name="shop-reviews"),
    path("reviews/", apis_reviews.ReviewListCreateApi.as_view(), name="reviews"),
    path("reviews/<int:review_id>/", apis_reviews.ReviewDetailApi.as_view(), name="review"),
    path("reviews/<int:review_id>/answer/", apis_reviews.ReviewAnswerApi.as_view(), name="review-answer"),
]

# Payments (Stripe): saved cards, the order's PaymentIntent, seller refunds.
urlpatterns += [
    path("payment-methods/", apis_payments.PaymentMethodListApi.as_view(), name="payment-methods"),
    path("payment-methods/setup/", apis_payments.PaymentMethodSetupApi.as_view(), name="payment-method-setup"),
    path(
        "payment-methods/<str:payment_method_id>/default/",
        apis_payments.PaymentMethodDefaultApi.as_view(),
        name="payment-method-default",
    ),
    path(
        "payment-methods/<str:payment_method_id>/",
        apis_payments.PaymentMethodDeleteApi.as_view(),
        name="payment-method",
    ),
    path("orders/<int:order_id>/payment/", apis_payments.OrderPaymentIntentApi.as_view(), name="order-payment"),
    path(
        "seller/orders/<int:order_id>/refund/", apis_payments.SellerOrderRefundApi.as_view(), name="seller-order-refund"
    ),
]
