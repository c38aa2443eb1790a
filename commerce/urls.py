from django.urls import path

from . import apis_payments, views, views_inventory, views_payments, views_reviews

app_name = "commerce"

urlpatterns = [
    path("seller/", views.seller_products, name="seller_home"),
    path("seller/products/", views.seller_products, name="seller_products"),
    path("seller/products/new/", views.seller_product_new, name="seller_product_new"),
    path("seller/products/<int:product_id>/edit/", views.seller_product_edit, name="seller_product_edit"),
    path("seller/products/<int:product_id>/archive/", views.seller_product_archive, name="seller_product_archive"),
    path("seller/products/<int:product_id>/images/", views.seller_product_image_add, name="seller_product_image_add"),
    path(
        "seller/products/<int:product_id>/images/<int:image_id>/remove/",
        views.seller_product_image_remove,
        name="seller_product_image_remove",
    ),
    path("products/<int:product_id>/<slug:slug>/", views.product_detail, name="product"),
    path("shops/<slug:slug>/", views.shop_detail, name="shop"),
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/<int:product_id>/", views.cart_add_view, name="cart_add"),
    path("cart/items/<int:item_id>/", views.cart_item_update, name="cart_item_update"),
    path("cart/items/<int:item_id>/remove/", views.cart_item_remove, name="cart_item_remove"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/pay/", views.order_pay_view, name="order_pay"),
    path("orders/<int:order_id>/address/", views.order_address_view, name="order_address"),
    path("orders/<int:order_id>/cancel/", views.order_cancel_view, name="order_cancel"),
    path("orders/<int:order_id>/confirm-delivery/", views.order_confirm_view, name="order_confirm"),
    path("seller/orders/", views.seller_order_list, name="seller_orders"),
    path("seller/orders/<int:order_id>/", views.seller_order_detail, name="seller_order"),
    path("search/", views.search, name="search"),
    # Stock page, CSV imports.
    path(
        "seller/products/<int:product_id>/stock/",
        views_inventory.seller_product_stock,
        name="seller_product_stock",
    ),
    path("seller/products/import/", views_inventory.seller_product_import_new, name="seller_product_import_new"),
    path(
        "seller/products/import/template.csv",
        views_inventory.seller_product_import_template,
        name="seller_product_import_template",
    ),
    path(
        "seller/products/import/<int:import_id>/",
        views_inventory.seller_product_import_detail,
        name="seller_product_import",
    ),
    path(
        "seller/products/import/<int:import_id>/status/",
        views_inventory.seller_product_import_status,
        name="seller_product_import_status",
    ),
]

# Wishlists and reviews.
urlpatterns += [
    path("saved/", views_reviews.wishlist_page, name="saved"),
    path("saved/<int:product_id>/", views_reviews.wishlist_save_view, name="wishlist_save"),
    path("saved/<int:product_id>/remove/", views_reviews.wishlist_remove_view, name="wishlist_remove"),
    path("orders/<int:order_id>/lines/<int:line_id>/review/", views_reviews.review_page, name="review"),
    path("reviews/<int:review_id>/answer/", views_reviews.review_answer_view, name="review_answer"),
]

# Payments: saved cards, seller refunds, Stripe's webhook.
urlpatterns += [
    path("account/payment-methods/", views_payments.payment_methods, name="payment_methods"),
    path(
        "account/payment-methods/<str:payment_method_id>/default/",
        views_payments.payment_method_default,
        name="payment_method_default",
    ),
    path(
        "account/payment-methods/<str:payment_method_id>/remove/",
        views_payments.payment_method_remove,
        name="payment_method_remove",
    ),
    path("seller/orders/<int:order_id>/refund/", views_payments.seller_order_refund, name="seller_order_refund"),
    path("webhooks/stripe/", apis_payments.StripeWebhookApi.as_view(), name="stripe_webhook"),
]
