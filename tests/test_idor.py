"""S6: nobody reaches another user's objects, and nobody writes the columns that decide who owns what.

ROUTES classifies every URL the project serves. A route that is not in it fails
`test_every_route_is_classified`, so each new endpoint must be placed in one category; an OWN route
must also be exercised with another user's id in `FOREIGN_CASES` (or `PAGE_CASES`, or `STRIPE_CASES`
for saved cards, which need the local Stripe fake), or `test_every_own_route_is_tried_with_another_users_object`
fails. A MODERATES route must be tried in `MODERATOR_CASES`, `HELD_CASES` or `API_MODERATOR_CASES` by
someone who moderates elsewhere.
`SELF_CASES` try SELF routes that name the victim's things; `MASS_ASSIGNMENT` and
`CREATE_MASS_ASSIGNMENT` send the columns that decide ownership, state or money.
"""

from datetime import time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model, Q
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from auctions.models import Auction, AuctionEvent, AuctionOffer, OfferStatus
from auctions.services.auctions import auction_create
from auctions.services.giveaways import giveaway_start
from auctions.tests.factories_settlement import auction_closed_with_bids
from commerce.models import (
    CartItem,
    InventoryChange,
    Order,
    OrderRefund,
    OrderStatus,
    PaymentCustomer,
    Product,
    ProductImage,
    Review,
    WishlistItem,
)
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.cart import cart_add
from commerce.services.catalog import product_image_add
from commerce.services.imports import product_import_start
from commerce.services.orders import checkout, order_confirm_delivery, order_pay, order_ship
from commerce.services.payments import card_list
from commerce.services.reviews import review_create, review_set_hidden
from commerce.services.wishlist import wishlist_add

# The local Stripe fake's fixtures: pytest finds them on this module by their names.
from commerce.tests.conftest import fake_stripe, stripe_server  # noqa: F401
from commerce.tests.factories import ProductFactory, picture_upload
from commerce.tests.test_stripe import CARD_OK, browser_saves_card
from moderation.models import (
    Appeal,
    HeldMessage,
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    Report,
    Sanction,
    SanctionKind,
    SanctionScope,
    SellerModerator,
    SlowMode,
)
from moderation.services.appeals import appeal_create
from moderation.services.check import check_message
from moderation.services.held import message_hold
from moderation.services.moderators import seller_moderator_appoint
from moderation.services.reports import report_create
from moderation.services.rules import mute_word_add, pattern_add, slow_mode_set
from moderation.services.sanctions import sanction_impose
from shows.models import LineupItem, Show
from shows.services.schedules import schedule_create
from shows.services.shows import show_create, show_moderator_add
from shows.tests.factories import ShowFactory
from tokshop.notifications.models import Notification
from tokshop.notifications.services import notification_create
from tokshop.users.models import ApiToken
from tokshop.users.services import api_token_create
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

# --- Every route, in one category -------------------------------------------------------------------
# PUBLIC   anyone may call it; it shows nothing that belongs to one user.
# SELF     signed-in only; acts on the caller's own account, cart or lists, with no object id in the URL
#          (lists filter by owner: checked in test_lists_show_only_your_own_objects).
# OWN      names an object by id; another user's object answers 404 and is left unchanged.
# STAFF    the admin: staff only.
# WEBHOOK  called by a provider, authenticated by its signature rather than by a user.
# MODERATES acts in the shows of the seller the id names (or whose shows a sanction or a held message
#          belongs to); someone who does not moderate there gets 403 (code not_moderator, as issue 4
#          asks of a seller's moderator acting elsewhere) and nothing changes.
PUBLIC, SELF, OWN, STAFF, WEBHOOK, MODERATES = "public", "self", "own", "staff", "webhook", "moderates"

ROUTES = {
    "": PUBLIC,
    "favicon.ico": PUBLIC,
    "api/health": PUBLIC,
    "metrics": PUBLIC,
    "api/schema/": PUBLIC,
    "api/docs/": PUBLIC,
    # Accounts
    "accounts/signup/": PUBLIC,
    "accounts/signup/done/": PUBLIC,
    "accounts/verify/resend/": PUBLIC,
    "accounts/verify/<str:token>/": PUBLIC,
    "accounts/login/": PUBLIC,
    "accounts/logout/": SELF,
    "accounts/password/change/": SELF,
    "accounts/password/change/done/": SELF,
    "accounts/password/reset/": PUBLIC,
    "accounts/password/reset/done/": PUBLIC,
    "accounts/password/reset/complete/": PUBLIC,
    "accounts/password/reset/<uidb64>/<token>/": PUBLIC,
    "accounts/profile/": SELF,
    "accounts/shop/": SELF,
    "accounts/devices/": SELF,
    "accounts/devices/<int:token_id>/revoke/": OWN,
    "accounts/notifications/": SELF,
    "api/v1/auth/signup/": PUBLIC,
    "api/v1/auth/verify-email/": PUBLIC,
    "api/v1/auth/tokens/": SELF,
    "api/v1/auth/tokens/<int:token_id>/": OWN,
    "api/v1/auth/ws-ticket/": SELF,
    "api/v1/me/": SELF,
    # Notifications: read marks only the caller's own, whatever ids are sent
    "notifications/": SELF,
    "notifications/read/": SELF,
    "api/v1/notifications/": SELF,
    "api/v1/notifications/unread-count/": SELF,
    "api/v1/notifications/read/": SELF,
    "api/v1/notifications/preferences/": SELF,
    # Catalog
    "products/<int:product_id>/<slug:slug>/": PUBLIC,
    "shops/<slug:slug>/": PUBLIC,
    "search/": PUBLIC,
    "api/v1/products/": PUBLIC,
    "api/v1/products/suggest/": PUBLIC,
    "api/v1/products/<int:product_id>/": PUBLIC,
    "api/v1/categories/": PUBLIC,
    # Seller products and stock
    "seller/": SELF,
    "seller/products/": SELF,
    "seller/products/new/": SELF,
    "seller/products/<int:product_id>/edit/": OWN,
    "seller/products/<int:product_id>/archive/": OWN,
    "seller/products/<int:product_id>/images/": OWN,
    "seller/products/<int:product_id>/images/<int:image_id>/remove/": OWN,
    "api/v1/seller/products/": SELF,
    "api/v1/seller/products/<int:product_id>/": OWN,
    "api/v1/seller/products/<int:product_id>/images/": OWN,
    "api/v1/seller/products/<int:product_id>/images/<int:image_id>/": OWN,
    "api/v1/seller/products/<int:product_id>/stock/": OWN,
    # Cart (adding names a public product, not an owned object)
    "cart/": SELF,
    "cart/add/<int:product_id>/": SELF,
    "cart/items/<int:item_id>/": OWN,
    "cart/items/<int:item_id>/remove/": OWN,
    "api/v1/cart/": SELF,
    "api/v1/cart/items/": SELF,
    "api/v1/cart/items/<int:item_id>/": OWN,
    # Checkout and orders, as buyer and as seller
    "checkout/": SELF,
    "orders/": SELF,
    "orders/<int:order_id>/": OWN,
    "orders/<int:order_id>/pay/": OWN,
    "orders/<int:order_id>/address/": OWN,
    "orders/<int:order_id>/cancel/": OWN,
    "orders/<int:order_id>/confirm-delivery/": OWN,
    "seller/orders/": SELF,
    "seller/orders/<int:order_id>/": OWN,
    "api/v1/checkout/": SELF,
    "api/v1/orders/": SELF,
    "api/v1/orders/<int:order_id>/": OWN,
    "api/v1/orders/<int:order_id>/pay/": OWN,
    "api/v1/orders/<int:order_id>/cancel/": OWN,
    "api/v1/orders/<int:order_id>/confirm-delivery/": OWN,
    "api/v1/seller/orders/": SELF,
    "api/v1/seller/orders/<int:order_id>/ship/": OWN,
    # Stock page, thresholds and history; CSV imports (the template is the same file for every seller)
    "seller/products/<int:product_id>/stock/": OWN,
    "api/v1/seller/products/<int:product_id>/stock/history/": OWN,
    "api/v1/seller/products/<int:product_id>/stock/thresholds/": OWN,
    "seller/products/import/": SELF,
    "seller/products/import/template.csv": SELF,
    "seller/products/import/<int:import_id>/": OWN,
    "seller/products/import/<int:import_id>/status/": OWN,
    "api/v1/seller/products/imports/": SELF,
    "api/v1/seller/products/imports/<int:import_id>/": OWN,
    # Wishlist: the id names a public product, and only the caller's own list changes (SELF_CASES)
    "saved/": SELF,
    "saved/<int:product_id>/": SELF,
    "saved/<int:product_id>/remove/": SELF,
    "api/v1/wishlist/": SELF,
    "api/v1/wishlist/<int:product_id>/": SELF,
    # Reviews: reading a visible one is public, writing or answering is the author's or the seller's.
    # Creating names an order line in the body: another buyer's line is tried in SELF_CASES.
    "api/v1/products/<int:product_id>/reviews/": PUBLIC,
    "api/v1/shops/<slug:slug>/reviews/": PUBLIC,
    "api/v1/reviews/": SELF,
    "api/v1/reviews/<int:review_id>/": OWN,
    "api/v1/reviews/<int:review_id>/answer/": OWN,
    "reviews/<int:review_id>/answer/": OWN,
    "orders/<int:order_id>/lines/<int:line_id>/review/": OWN,
    # Payments: saved cards live at Stripe, under the caller's customer (STRIPE_CASES); refunds
    "account/payment-methods/": SELF,
    "account/payment-methods/<str:payment_method_id>/default/": OWN,
    "account/payment-methods/<str:payment_method_id>/remove/": OWN,
    "api/v1/payment-methods/": SELF,
    "api/v1/payment-methods/setup/": SELF,
    "api/v1/payment-methods/<str:payment_method_id>/": OWN,
    "api/v1/payment-methods/<str:payment_method_id>/default/": OWN,
    "api/v1/orders/<int:order_id>/payment/": OWN,
    "seller/orders/<int:order_id>/refund/": OWN,
    "api/v1/seller/orders/<int:order_id>/refund/": OWN,
    "webhooks/stripe/": WEBHOOK,
    # Moderation rules of the seller's own shows (slow mode is keyed by the caller and a show id)
    "api/v1/seller/moderation/words/": SELF,
    "api/v1/seller/moderation/words/<int:word_id>/": OWN,
    "api/v1/seller/moderation/patterns/": SELF,
    "api/v1/seller/moderation/patterns/<int:pattern_id>/": OWN,
    "api/v1/seller/moderation/slow-mode/": SELF,
    # Reports name a public thing, and make or list the caller's own reports (SELF_CASES); the held
    # messages list filters by the shows the caller moderates.
    "report/<slug:kind>/<int:object_id>/": SELF,
    "api/v1/reports/": SELF,
    "api/v1/moderation/held/": SELF,
    "api/v1/moderation/held/<int:held_id>/release/": MODERATES,
    "api/v1/moderation/held/<int:held_id>/remove/": MODERATES,
    # Who moderates: a seller's moderators (named by their user id, among the seller's own), where the
    # caller moderates, and the pages that act on sanctions in a seller's shows
    "api/v1/seller/moderation/moderators/": SELF,
    "api/v1/seller/moderation/moderators/<int:user_id>/": OWN,
    "api/v1/me/moderating/": SELF,
    "seller/moderation/": SELF,
    "seller/moderation/moderators/<int:user_id>/remove/": OWN,
    "seller/moderation/words/<int:word_id>/remove/": OWN,
    "seller/moderation/patterns/<int:pattern_id>/remove/": OWN,
    "moderation/": SELF,
    "moderation/sellers/<int:seller_id>/sanctions/": MODERATES,
    "moderation/sanctions/<int:sanction_id>/lift/": MODERATES,
    "moderation/held/<int:held_id>/release/": MODERATES,
    "moderation/held/<int:held_id>/remove/": MODERATES,
    "moderation/appeals/<int:appeal_id>/decide/": MODERATES,
    # A person's own sanctions and appeals (an appeal names its sanction in the body: SELF_CASES)
    "account/moderation/": SELF,
    "api/v1/me/sanctions/": SELF,
    "api/v1/appeals/": SELF,
    # Moderators' sanctions and appeals: the lists filter by the shows the caller moderates
    # (MODERATOR_LISTS); imposing, lifting and deciding act in the seller's shows the sanction names.
    "api/v1/moderation/sanctions/": MODERATES,
    "api/v1/moderation/sanctions/<int:sanction_id>/lift/": MODERATES,
    "api/v1/moderation/appeals/": SELF,
    "api/v1/moderation/appeals/<int:appeal_id>/decide/": MODERATES,
    # Seller verification: the caller's own request only (moderation/tests/test_verification.py tries
    # another seller's, and a body naming another seller, a status or a reviewer)
    "seller/verification/": SELF,
    "api/v1/seller/verification/": SELF,
    # A show's video: the token follows the room's entry rules, tried for each kind of caller in
    # shows/tests/test_video.py (S7); LiveKit's deliveries are signed with the API secret (S8).
    "api/v1/shows/<int:show_id>/video-token/": PUBLIC,
    "webhooks/livekit/": WEBHOOK,
    # A show's chat is read by whoever may watch it (shows/tests/test_chat_apis.py tries followers-only
    # and private shows); its figures are for its host and moderators.
    "api/v1/shows/<int:show_id>/messages/": PUBLIC,
    "api/v1/shows/<int:show_id>/stats/": MODERATES,
    # A show's questions and polls are for whoever may watch the show; buying in a flash sale makes
    # the caller's own order (the id names a public sale)
    "api/v1/shows/<int:show_id>/questions/": PUBLIC,
    "api/v1/shows/<int:show_id>/polls/": PUBLIC,
    "api/v1/flash-sales/<int:sale_id>/buy/": SELF,
    # Giveaways: listed for whoever may watch the show, started and drawn by its host and moderators
    # (API_MODERATOR_CASES); entering makes the caller's own entry in a public giveaway, on its rules
    # page too (the free entry form)
    "api/v1/shows/<int:show_id>/giveaways/": MODERATES,
    "api/v1/giveaways/<int:giveaway_id>/enter/": SELF,
    "api/v1/giveaways/<int:giveaway_id>/draw/": MODERATES,
    "giveaways/<int:giveaway_id>/rules/": PUBLIC,
    # Shows: finding them and their pages are public (each checks who may watch); following, reminders
    # and the lists of them are the caller's own (the ids name a public seller or show)
    "shows/": PUBLIC,
    "shows/<int:show_id>/": PUBLIC,
    "shows/seller/<int:seller_id>/": PUBLIC,
    "shows/seller/<int:seller_id>/follow/": SELF,
    "shows/<int:show_id>/remind/": SELF,
    # Auctions: a show's history is read by whoever may watch the show (auctions/tests/test_pages.py
    # tries a followers-only show); a buyer's auctions and a seller's increments are their own.
    "shows/<int:show_id>/auctions/": PUBLIC,
    "account/auctions/": SELF,
    "seller/auctions/increments/": SELF,
    "shows/following/": SELF,
    "api/v1/shows/": PUBLIC,
    "api/v1/shows/<int:show_id>/": PUBLIC,
    "api/v1/shows/<int:show_id>/reminder/": SELF,
    "api/v1/me/reminders/": SELF,
    "api/v1/me/following/": SELF,
    "api/v1/sellers/<int:seller_id>/follow/": SELF,
    # The seller's shows, their lineups, moderators and lifecycle, and recurring schedules
    "seller/shows/": SELF,
    "seller/shows/new/": SELF,
    "seller/shows/<int:show_id>/edit/": OWN,
    "seller/shows/<int:show_id>/status/": OWN,
    "seller/shows/<int:show_id>/console/": OWN,
    "seller/shows/<int:show_id>/lineup/": OWN,
    "seller/shows/<int:show_id>/lineup/<int:item_id>/remove/": OWN,
    "seller/shows/<int:show_id>/lineup/<int:item_id>/move/": OWN,
    "seller/shows/<int:show_id>/moderators/": OWN,
    "seller/shows/<int:show_id>/moderators/<int:user_id>/remove/": OWN,
    "seller/shows/schedules/new/": SELF,
    "seller/shows/schedules/<int:schedule_id>/edit/": OWN,
    "seller/shows/schedules/<int:schedule_id>/stop/": OWN,
    "api/v1/seller/shows/": SELF,
    "api/v1/seller/shows/<int:show_id>/": OWN,
    "api/v1/seller/shows/<int:show_id>/lineup/": OWN,
    "api/v1/seller/shows/<int:show_id>/thumbnail/": OWN,
    "api/v1/seller/shows/<int:show_id>/moderators/": OWN,
    "api/v1/seller/shows/<int:show_id>/moderators/<int:user_id>/": OWN,
    "api/v1/seller/shows/<int:show_id>/go-live/": OWN,
    "api/v1/seller/shows/<int:show_id>/pause/": OWN,
    "api/v1/seller/shows/<int:show_id>/resume/": OWN,
    "api/v1/seller/shows/<int:show_id>/end/": OWN,
    "api/v1/seller/shows/<int:show_id>/cancel/": OWN,
    "api/v1/seller/shows/<int:show_id>/restart/": OWN,
    "api/v1/seller/schedules/": SELF,
    "api/v1/seller/schedules/<int:schedule_id>/": OWN,
    "api/v1/seller/schedules/<int:schedule_id>/stop/": OWN,
    # Auctions: a show's auctions and their bids are read by whoever may watch the show; bidding and
    # your auctions are the caller's own; starting, opening and cancelling one is for the show's host
    # and moderators (AUCTION_HOST_CASES); the increment table is the seller's own.
    "api/v1/shows/<int:show_id>/auctions/": MODERATES,
    "api/v1/auctions/<int:auction_id>/": PUBLIC,
    "api/v1/auctions/<int:auction_id>/open/": MODERATES,
    "api/v1/auctions/<int:auction_id>/cancel/": MODERATES,
    "api/v1/auctions/<int:auction_id>/bids/": SELF,
    "api/v1/auctions/<int:auction_id>/buy-now/": SELF,
    "api/v1/me/auctions/": SELF,
    "api/v1/seller/auction-increments/": SELF,
    # Auction settlement: the seller's timeline of their own auction; a buyer's own offers and answers
    "seller/auctions/<int:auction_id>/": OWN,
    "api/v1/seller/auctions/<int:auction_id>/events/": OWN,
    "auctions/offers/<int:offer_id>/": OWN,
    "auctions/offers/<int:offer_id>/accept/": OWN,
    "auctions/offers/<int:offer_id>/refuse/": OWN,
    "api/v1/auctions/offers/": SELF,
    "api/v1/auctions/offers/<int:offer_id>/accept/": OWN,
    "api/v1/auctions/offers/<int:offer_id>/refuse/": OWN,
}
# Whole trees classified at once, by the start of their route.
ROUTE_PREFIXES = {"admin/": STAFF}
CATEGORIES = {PUBLIC, SELF, OWN, STAFF, WEBHOOK, MODERATES}


def _walk(patterns: list[Any], prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return routes


def project_routes() -> list[str]:
    return _walk(get_resolver().url_patterns)


def category_of(route: str) -> str | None:
    if route in ROUTES:
        return ROUTES[route]
    return next((kind for start, kind in ROUTE_PREFIXES.items() if route.startswith(start)), None)


def test_every_route_is_classified():
    routes = project_routes()

    unclassified = sorted(route for route in routes if category_of(route) is None)
    stale = sorted(set(ROUTES) - set(routes))

    assert not unclassified, f"Add these routes to ROUTES in tests/test_idor.py: {unclassified}"
    assert not stale, f"These ROUTES entries name no route any more: {stale}"
    assert set(ROUTES.values()) | set(ROUTE_PREFIXES.values()) <= CATEGORIES


def test_the_admin_is_for_staff_only(client):
    client.force_login(UserFactory())
    assert client.get("/admin/").status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


# --- Two shops that buy from each other ------------------------------------------------------------
ADDRESS = {
    "shipping_name": "Victim Buyer",
    "shipping_line1": "1 Main Street",
    "shipping_city": "Springfield",
    "shipping_postal_code": "12345",
    "shipping_country": "US",
}


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def delivered(*, buyer: Any, product: Any) -> Order:
    """One of the buyer's orders, paid, shipped and delivered: its lines can be reviewed."""
    cart_add(buyer=buyer, product_id=product.pk, quantity=1)
    [order] = checkout(buyer=buyer, shipping=ADDRESS)
    order_pay(buyer=buyer, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    order_ship(seller=order.seller, order_id=order.pk, carrier="UPS", tracking_number="1Z")
    return order_confirm_delivery(buyer=buyer, order_id=order.pk)


@pytest.fixture
def victim(media):
    """Bob: a seller with a product and a picture, a purchase he reviewed, a sale to someone else, an
    order awaiting payment, a cart line, a saved product, a notification, a device token, stock history,
    a CSV import, moderation rules, a moderator he appointed, a troll muted in his shows who appealed, a
    review of his product that staff hid, a message held in his shows, a report he made, and a mute of
    his own in another shop's shows that he appealed, a giveaway running in his live show and an auction
    waiting in his scheduled one. Every id the intruder will try."""
    bob = SellerProfileFactory(shop_name="Bob's Barn").user
    product = ProductFactory(seller=bob, title="Bobs secret lamp", quantity_on_hand=9)
    image = product_image_add(seller=bob, product_id=product.pk, image=picture_upload())
    supplier = ProductFactory(title="Suppliers crate", quantity_on_hand=9)
    purchase = delivered(buyer=bob, product=supplier)
    line = purchase.lines.get()
    review = review_create(author=bob, order_line_id=line.pk, rating=4, seller_rating=5, text="Sturdy crate")
    carol = UserFactory()
    cart_add(buyer=carol, product_id=product.pk, quantity=1)
    [sale] = checkout(buyer=carol, shipping=ADDRESS)
    order_pay(buyer=carol, order_id=sale.pk, card_number=TEST_CARD_SUCCESS)
    reviewed_sale = delivered(buyer=carol, product=product)
    received_review = review_create(
        author=carol, order_line_id=reviewed_sale.lines.get().pk, rating=1, seller_rating=1, text="Not for the public"
    )
    review_set_hidden(actor=UserFactory(is_staff=True), review_id=received_review.pk, hidden=True)
    cart_add(buyer=bob, product_id=supplier.pk, quantity=1)
    [pending] = checkout(buyer=bob, shipping=ADDRESS)
    item = cart_add(buyer=bob, product_id=supplier.pk, quantity=2)
    saved, _ = wishlist_add(buyer=bob, product_id=supplier.pk)
    notification = notification_create(user=bob, kind="account", title="Only for Bob", body="", url="/")
    token, _ = api_token_create(user=bob, name="Bob's phone")
    csv = SimpleUploadedFile("bobs-secret-stock.csv", b"title,price\nLamp,1\n", content_type="text/csv")
    helper = UserFactory(display_name="Bobs helper")
    seller_moderator_appoint(seller=bob, moderator=helper)
    troll = UserFactory(display_name="Bobs troll")
    sanction = sanction_impose(
        actor=bob, user=troll, kind=SanctionKind.MUTE, reason="Bobs reason", scope=SanctionScope.SELLER, seller=bob
    )
    show = show_create(
        seller=bob,
        title="Bobs secret show",
        scheduled_start=timezone.now() + timedelta(days=1),
        product_ids=[product.pk],
    )
    show_moderator_add(seller=bob, show_id=show.pk, email=UserFactory(display_name="Bobs show helper").email)
    schedule = schedule_create(
        seller=bob,
        title="Bobs weekly show",
        frequency="weekly",
        weekdays=[2],
        time_of_day=time(20, 0),
        time_zone="UTC",
        starts_on=timezone.localdate(),
    )
    on_air = ShowFactory(seller=bob, live=True, title="Bobs live show")
    giveaway = giveaway_start(
        actor=bob,
        show_id=on_air.pk,
        item_id=LineupItem.objects.create(show=on_air, product=product).pk,
        entry="room",
        seconds=300,
    )
    shop = SellerProfileFactory(shop_name="Dave's Den").user
    muted = sanction_impose(
        actor=shop, user=bob, kind="mute", reason="Bobs secret mute reason", scope="seller", seller=shop
    )
    return {
        "user": bob,
        "product": product,
        "image": image,
        "supplier": supplier,
        "purchase": purchase,
        "line": line,
        "review": review,
        "sale": sale,
        "received_review": Review.objects.get(pk=received_review.pk),
        "pending": pending,
        "item": item,
        "saved": saved,
        "notification": notification,
        "token": token,
        "import": product_import_start(seller=bob, upload=csv),
        "word": mute_word_add(seller=bob, word="bobsword"),
        "pattern": pattern_add(seller=bob, pattern="bobs+pattern"),
        "slow_mode": slow_mode_set(seller=bob, seconds=30),
        "held": _held_in_shows_of(bob),
        "report": report_create(reporter=bob, kind="user", object_id=carol.pk, reason="spam")[0],
        "moderator": helper,
        "moderator_email": helper.email,
        "troll": troll,
        "sanction": sanction,
        "appeal_to_decide": appeal_create(user=troll, sanction_id=sanction.pk, text="The troll appeals")[0],
        "muted": muted,
        "appeal": appeal_create(user=bob, sanction_id=muted.pk, text="Bobs secret appeal")[0],
        "show": show,
        "lineup_item": show.lineup.get(),
        "show_moderator": SellerModerator.objects.get(seller=bob, show_id=show.pk).moderator,
        "schedule": schedule,
        "auction": auction_create(
            actor=bob, show_id=show.pk, product_id=product.pk, data={"allow_prebids": True}, open_now=False
        ),
        "giveaway": giveaway,
        "offer": _second_chance_for(bob),
    }


def _second_chance_for(buyer: Any) -> AuctionOffer:
    """A second-chance offer waiting for the buyer's answer, on someone else's lot."""
    auction = auction_closed_with_bids([(buyer, 900), (UserFactory(), 1500)], winning_cents=1000)
    return AuctionOffer.objects.create(
        auction=auction,
        buyer=buyer,
        rank=2,
        amount_cents=900,
        status=OfferStatus.OFFERED,
        pay_by=timezone.now() + timedelta(minutes=30),
    )


def _held_in_shows_of(seller: Any) -> HeldMessage:
    sender = UserFactory.create()
    verdict = check_message(sender=sender, text="Text me on 555 123 4567", seller_id=seller.pk, show_id=1)
    return message_hold(sender=sender, seller_id=seller.pk, show_id=1, verdict=verdict)


@pytest.fixture
def intruder():
    """Alice: a seller and buyer too, so every seller and buyer route lets her in."""
    return SellerProfileFactory(shop_name="Alice's Attic").user


def snapshot(victim: dict[str, Any]) -> dict[str, Any]:
    """Every column of every object the victim owns (the supplier's product and the order line are not
    Bob's), and how much stock history, refunds, reviews, saved products and show rules they have."""
    rows: dict[str, Any] = {}
    for name, obj in victim.items():
        if isinstance(obj, Model) and name not in {"supplier", "line", "show_moderator"}:
            fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
            rows[name] = model_to_dict(fresh) if fresh is not None else None
    rows["history"] = InventoryChange.objects.filter(product=victim["product"]).count()
    rows["images"] = ProductImage.objects.filter(product=victim["product"]).count()
    rows["events"] = [Order.objects.get(pk=victim[o].pk).events.count() for o in ["purchase", "sale", "pending"]]
    rows["refunds"] = OrderRefund.objects.filter(order__seller=victim["user"]).count()
    rows["reviews"] = Review.objects.filter(author=victim["user"]).count()
    rows["saved_products"] = sorted(WishlistItem.objects.filter(buyer=victim["user"]).values_list("product", flat=True))
    rows["rules"] = [
        ModerationWord.objects.filter(seller=victim["user"]).count(),
        ModerationPattern.objects.filter(seller=victim["user"]).count(),
        sorted(SlowMode.objects.filter(seller=victim["user"]).values_list("show_id", "seconds")),
    ]
    rows["moderators"] = sorted(SellerModerator.objects.filter(seller=victim["user"]).values_list("moderator_id"))
    rows["sanctions"] = sorted(Sanction.objects.filter(user=victim["troll"]).values_list("pk", "revoked_at"))
    rows["own_sanctions"] = sorted(Sanction.objects.filter(user=victim["user"]).values_list("pk", "revoked_at"))
    rows["appeals"] = sorted(Appeal.objects.values_list("pk", "sanction_id", "status"))
    rows["lineup"] = list(LineupItem.objects.filter(show__seller=victim["user"]).values_list("product_id", "position"))
    rows["schedule_shows"] = sorted(
        Show.objects.filter(schedule=victim["schedule"]).values_list("pk", "status", "title")
    )
    rows["auction_events"] = AuctionEvent.objects.filter(auction=victim["auction"]).count()
    rows["offer_orders"] = Order.objects.filter(auction_offer__isnull=False).count()
    rows["audit"] = ModerationAction.objects.filter(
        Q(seller=victim["user"]) | Q(target_user__in=[victim["user"], victim["troll"]])
    ).count()
    return rows


# (method, route name, ids taken from the victim, body) — each must answer 404 to the intruder.
FOREIGN_CASES: list[tuple[str, str, list[str], Any]] = [
    ("get", "api:seller-product", ["product"], None),
    ("patch", "api:seller-product", ["product"], {"title": "Mine now"}),
    ("delete", "api:seller-product", ["product"], None),
    ("post", "api:seller-product-images", ["product"], "picture"),
    ("delete", "api:seller-product-image", ["product", "image"], None),
    # The intruder's own product with the victim's picture.
    ("delete", "api:seller-product-image", ["mine", "image"], None),
    ("post", "api:seller-product-stock", ["product"], {"delta": -1, "reason": "damaged"}),
    ("get", "api:order", ["purchase"], None),
    ("post", "api:order-pay", ["purchase"], {"card_number": TEST_CARD_SUCCESS}),
    ("post", "api:order-cancel", ["purchase"], None),
    ("post", "api:order-confirm", ["purchase"], None),
    ("post", "api:seller-order-ship", ["sale"], {"carrier": "UPS", "tracking_number": "1Z"}),
    ("patch", "api:cart-item", ["item"], {"quantity": 1}),
    ("delete", "api:cart-item", ["item"], None),
    ("delete", "api:token-revoke", ["token"], None),
    ("get", "api:seller-product-stock-history", ["product"], None),
    ("get", "api:seller-product-stock-thresholds", ["product"], None),
    ("put", "api:seller-product-stock-thresholds", ["product"], {"low_stock_threshold": 0}),
    ("get", "api:seller-product-import", ["import"], None),
    # A hidden review exists only for its author and its seller; a visible one is public to read.
    ("get", "api:review", ["received_review"], None),
    ("patch", "api:review", ["review"], {"rating": 1, "text": "Mine now"}),
    ("patch", "api:review", ["received_review"], {"rating": 5}),
    ("post", "api:review-answer", ["received_review"], {"answer": "Thanks from Alice"}),
    ("post", "api:seller-order-refund", ["sale"], {}),
    ("post", "api:seller-order-refund", ["sale"], {"amount_cents": 1, "reason": "Mine"}),
    ("delete", "api:seller-mute-word", ["word"], None),
    ("delete", "api:seller-pattern", ["pattern"], None),
    ("delete", "api:seller-moderator", ["moderator"], None),
    ("get", "api:seller-show", ["show"], None),
    ("patch", "api:seller-show", ["show"], {"title": "Mine now"}),
    ("put", "api:seller-show-lineup", ["show"], {"product_ids": []}),
    ("post", "api:seller-show-thumbnail", ["show"], "picture"),
    ("delete", "api:seller-show-thumbnail", ["show"], None),
    ("get", "api:seller-show-moderators", ["show"], None),
    ("post", "api:seller-show-moderators", ["show"], {"email": "intruder-helper@example.com"}),
    ("delete", "api:seller-show-moderator", ["show", "show_moderator"], None),
    # The intruder's own show with the victim's show moderator.
    ("delete", "api:seller-show-moderator", ["my_show", "show_moderator"], None),
    ("post", "api:seller-show-go-live", ["show"], None),
    ("post", "api:seller-show-pause", ["show"], None),
    ("post", "api:seller-show-resume", ["show"], None),
    ("post", "api:seller-show-end", ["show"], None),
    ("post", "api:seller-show-cancel", ["show"], None),
    ("post", "api:seller-show-restart", ["show"], None),
    ("get", "api:seller-schedule", ["schedule"], None),
    ("patch", "api:seller-schedule", ["schedule"], {"title": "Mine now"}),
    ("post", "api:seller-schedule-stop", ["schedule"], None),
    ("get", "api:seller-auction-events", ["auction"], None),
    ("post", "api:auction-offer-accept", ["offer"], {}),
    ("post", "api:auction-offer-accept", ["offer"], {"shipping": ADDRESS}),
    ("post", "api:auction-offer-refuse", ["offer"], None),
]
PAGE_CASES = [
    ("get", "commerce:seller_product_edit", ["product"], None),
    ("post", "commerce:seller_product_edit", ["product"], {"title": "Mine now", "price": "1.00", "currency": "USD"}),
    ("post", "commerce:seller_product_archive", ["product"], None),
    ("post", "commerce:seller_product_image_add", ["product"], "picture"),
    ("post", "commerce:seller_product_image_remove", ["product", "image"], None),
    ("post", "commerce:seller_product_image_remove", ["mine", "image"], None),
    ("get", "commerce:order", ["purchase"], None),
    ("post", "commerce:order_pay", ["purchase"], {"card_number": TEST_CARD_SUCCESS}),
    ("post", "commerce:order_cancel", ["purchase"], None),
    ("post", "commerce:order_confirm", ["purchase"], None),
    ("post", "commerce:order_address", ["purchase"], ADDRESS),
    ("get", "commerce:seller_order", ["sale"], None),
    ("post", "commerce:seller_order", ["sale"], {"carrier": "UPS", "tracking_number": "1Z"}),
    ("post", "commerce:cart_item_update", ["item"], {"quantity": 1}),
    ("post", "commerce:cart_item_remove", ["item"], None),
    ("post", "users:device_revoke", ["token"], None),
    ("get", "commerce:seller_product_stock", ["product"], None),
    ("post", "commerce:seller_product_stock", ["product"], {"form": "adjust", "delta": -1, "reason": "damaged"}),
    ("post", "commerce:seller_product_stock", ["product"], {"form": "thresholds", "low_stock_threshold": 0}),
    ("get", "commerce:seller_product_import", ["import"], None),
    ("get", "commerce:seller_product_import_status", ["import"], None),
    ("get", "commerce:review", ["purchase", "line"], None),
    ("post", "commerce:review", ["purchase", "line"], {"rating": 1, "seller_rating": 1, "text": "Mine now"}),
    # The intruder's own delivered order with the victim's line.
    ("get", "commerce:review", ["my_order", "line"], None),
    ("post", "commerce:review_answer", ["received_review"], {"answer": "Thanks from Alice"}),
    ("post", "commerce:seller_order_refund", ["sale"], {"amount": "", "reason": "Mine"}),
    ("post", "moderation:seller_moderator_remove", ["moderator"], None),
    ("post", "moderation:seller_word_remove", ["word"], None),
    ("post", "moderation:seller_pattern_remove", ["pattern"], None),
    ("get", "shows:seller_show_edit", ["show"], None),
    ("post", "shows:seller_show_edit", ["show"], {"title": "Mine now", "scheduled_start": "2030-01-01T10:00"}),
    ("post", "shows:seller_show_status", ["show"], {"action": "cancel"}),
    ("get", "shows:console", ["show"], None),
    ("post", "shows:seller_lineup_add", ["show"], {"product": 1}),
    ("post", "shows:seller_lineup_remove", ["show", "lineup_item"], None),
    # The intruder's own show with the victim's lineup item.
    ("post", "shows:seller_lineup_remove", ["my_show", "lineup_item"], None),
    ("post", "shows:seller_lineup_move", ["show", "lineup_item"], {"direction": "up"}),
    ("post", "shows:seller_show_moderator_add", ["show"], {"email": "intruder-helper@example.com"}),
    ("post", "shows:seller_show_moderator_remove", ["show", "show_moderator"], None),
    ("get", "shows:seller_schedule_edit", ["schedule"], None),
    ("post", "shows:seller_schedule_edit", ["schedule"], {"title": "Mine now"}),
    ("post", "shows:seller_schedule_stop", ["schedule"], None),
    ("get", "auctions:seller_auction", ["auction"], None),
    ("get", "auctions:offer", ["offer"], None),
    ("post", "auctions:offer_accept", ["offer"], None),
    ("post", "auctions:offer_accept", ["offer"], ADDRESS),
    ("post", "auctions:offer_refuse", ["offer"], None),
]


def _send(client: Any, method: str, url: str, body: Any, *, api: bool) -> Any:
    if body == "picture":
        return client.post(url, {"image": picture_upload()}, **({"format": "multipart"} if api else {}))
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, **({"format": "json"} if api else {}))


def _url(name: str, ids: list[str], victim: dict[str, Any], intruder: Any) -> str:
    objects = dict(victim)
    if "mine" in ids:
        objects["mine"] = ProductFactory(seller=intruder)
    if "my_show" in ids:
        objects["my_show"] = ShowFactory(seller=intruder)
    if "my_order" in ids:
        objects["my_order"] = delivered(buyer=intruder, product=victim["supplier"])
    # Saved cards are named by Stripe's id, a string.
    return reverse(name, args=[getattr(objects[key], "pk", objects[key]) for key in ids])


@pytest.mark.parametrize(("method", "name", "ids", "body"), FOREIGN_CASES, ids=lambda v: str(v))
def test_api_another_users_object_is_404_and_unchanged(victim, intruder, method, name, ids, body):
    client = APIClient()
    client.force_authenticate(intruder)
    before = snapshot(victim)

    response = _send(client, method, _url(name, ids, victim, intruder), body, api=True)

    assert response.status_code == 404
    assert snapshot(victim) == before


@pytest.mark.parametrize(("method", "name", "ids", "body"), PAGE_CASES, ids=lambda v: str(v))
def test_page_another_users_object_is_404_and_unchanged(client, victim, intruder, method, name, ids, body):
    client.force_login(intruder)
    before = snapshot(victim)

    response = _send(client, method, _url(name, ids, victim, intruder), body, api=False)

    assert response.status_code == 404
    assert snapshot(victim) == before


# Saved cards: Bob's card at the local Stripe fake; the pending order is his too.
STRIPE_CASES = [
    ("delete", "api:payment-method", ["card"], None),
    ("post", "api:payment-method-default", ["card"], None),
    ("post", "api:order-payment", ["pending"], None),
]
STRIPE_PAGE_CASES = [
    ("post", "commerce:payment_method_default", ["card"], None),
    ("post", "commerce:payment_method_remove", ["card"], None),
]


@pytest.fixture
def stripe_victim(victim, request):
    """Bob with Stripe on and a saved card (his default). His orders were paid before Stripe was on."""
    browser_saves_card(request.getfixturevalue("fake_stripe"), victim["user"], CARD_OK)
    [card] = card_list(user=victim["user"])
    return {**victim, "card": card.card.id}


def stripe_snapshot(victim: dict[str, Any]) -> dict[str, Any]:
    cards = [(row.card.id, row.is_default) for row in card_list(user=victim["user"])]
    intents = PaymentCustomer.objects.filter(user=victim["user"]).values_list("reference", flat=True)
    return {**snapshot(victim), "cards": cards, "customer": list(intents)}


@pytest.mark.parametrize(("method", "name", "ids", "body"), STRIPE_CASES + STRIPE_PAGE_CASES, ids=lambda v: str(v))
def test_another_users_card_or_payment_is_404_and_unchanged(client, stripe_victim, intruder, method, name, ids, body):
    api = name.startswith("api:")
    if api:
        client = APIClient()
        client.force_authenticate(intruder)
    else:
        client.force_login(intruder)
    before = stripe_snapshot(stripe_victim)

    response = _send(client, method, _url(name, ids, stripe_victim, intruder), body, api=api)

    assert response.status_code == 404
    assert stripe_snapshot(stripe_victim) == before
    # The intruder got no PaymentIntent on Bob's order either.
    assert Order.objects.get(pk=stripe_victim["pending"].pk).payment_reference == ""


def test_every_own_route_is_tried_with_another_users_object():
    cases = FOREIGN_CASES + PAGE_CASES + STRIPE_CASES + STRIPE_PAGE_CASES
    tried = {resolve(reverse(name, args=[1] * len(ids))).route for _, name, ids, _ in cases}
    own = {route for route in project_routes() if category_of(route) == OWN}

    assert sorted(own - tried) == [], "Add a FOREIGN_CASES or PAGE_CASES line for these OWN routes"


# (route name, ids taken from the victim, body): a seller who moderates only her own shows acts in Bob's.
HELD_CASES = [
    ("api:held-message-release", ["held"], None),
    ("api:held-message-remove", ["held"], {"reason": "Mine to judge"}),
]


@pytest.mark.parametrize(("name", "ids", "body"), HELD_CASES, ids=lambda v: str(v))
def test_held_messages_in_another_sellers_shows_are_403_and_unchanged(victim, intruder, name, ids, body):
    client = APIClient()
    client.force_authenticate(intruder)
    before = snapshot(victim)

    response = _send(client, "post", _url(name, ids, victim, intruder), body, api=True)

    assert (response.status_code, response.json()["code"]) == (403, "not_moderator")
    assert snapshot(victim) == before


# Acting in Bob's shows: (method, route name, ids taken from the victim). Each must answer 403 to a
# seller who moderates only their own shows and to a moderator another seller appointed.
MODERATOR_CASES = [
    ("post", "moderation:sanction_impose", ["user"]),
    ("post", "moderation:sanction_lift", ["sanction"]),
    ("post", "moderation:held_release", ["held"]),
    ("post", "moderation:held_remove", ["held"]),
    ("post", "moderation:appeal_decide", ["appeal_to_decide"]),
]


def _sanction_body(victim: dict[str, Any]) -> dict[str, Any]:
    prefix = f"seller-{victim['user'].pk}"
    fields = {"email": victim["troll"].email, "kind": "ban", "duration": "0", "reason": "Mine now"}
    # The held-message and appeal forms are unprefixed; the sanction form's fields carry the seller's prefix.
    return {"decision": "grant", "reason": "Mine now"} | {f"{prefix}-{name}": value for name, value in fields.items()}


@pytest.mark.parametrize("who", ["seller", "appointed"])
@pytest.mark.parametrize(("method", "name", "ids"), MODERATOR_CASES, ids=lambda v: str(v))
def test_moderating_in_someone_elses_shows_is_403_and_unchanged(client, victim, intruder, who, method, name, ids):
    actor = intruder
    if who == "appointed":
        actor = UserFactory()
        seller_moderator_appoint(seller=intruder, moderator=actor)
    client.force_login(actor)
    before = snapshot(victim)

    response = _send(client, method, _url(name, ids, victim, intruder), _sanction_body(victim), api=False)

    assert response.status_code == 403
    assert snapshot(victim) == before
    assert not Sanction.objects.filter(created_by=actor).exists()


# The API's sanctions and appeals in Bob's shows: (method, route name, ids taken from the victim, body).
API_MODERATOR_CASES = [
    ("post", "api:moderation-sanction-lift", ["sanction"], {"reason": "Mine to lift"}),
    ("post", "api:moderation-appeal-decide", ["appeal_to_decide"], {"decision": "grant", "note": "Granted by Alice"}),
    (
        "post",
        "api:moderation-sanctions",
        [],
        {"user_id": "{troll}", "kind": "ban", "reason": "x", "scope": "seller", "seller_id": "{user}"},
    ),
    ("post", "api:moderation-sanctions", [], {"user_id": "{troll}", "kind": "ban", "reason": "x", "scope": "global"}),
    ("get", "api:show-stats", ["show"], None),
    ("post", "api:show-giveaways", ["show"], {"item_id": "{lineup_item}", "entry": "room", "seconds": 60}),
    ("post", "api:giveaway-draw", ["giveaway"], None),
]


@pytest.mark.parametrize("who", ["seller", "appointed"])
@pytest.mark.parametrize(("method", "name", "ids", "body"), API_MODERATOR_CASES, ids=lambda v: str(v))
def test_moderating_over_the_api_outside_your_shows_is_403_and_unchanged(
    victim, intruder, who, method, name, ids, body
):
    actor = intruder
    if who == "appointed":
        actor = UserFactory()
        seller_moderator_appoint(seller=intruder, moderator=actor)
    client = APIClient()
    client.force_authenticate(actor)
    before = snapshot(victim)
    body = _fill(body, {key: getattr(value, "pk", value) for key, value in victim.items()})

    response = _send(client, method, _url(name, ids, victim, intruder), body, api=True)

    assert (response.status_code, response.json()["code"]) == (403, "not_moderator")
    assert snapshot(victim) == before


# The host's controls of Bob's auctions: (route name, ids taken from the victim, body).
AUCTION_HOST_CASES = [
    ("api:show-auctions", ["show"], {"product_id": "{product}", "open_now": False}),
    ("api:auction-open", ["auction"], None),
    ("api:auction-cancel", ["auction"], None),
]


@pytest.mark.parametrize("who", ["seller", "appointed"])
@pytest.mark.parametrize(("name", "ids", "body"), AUCTION_HOST_CASES, ids=lambda v: str(v))
def test_running_auctions_in_someone_elses_show_is_403_and_unchanged(victim, intruder, who, name, ids, body):
    actor = intruder
    if who == "appointed":
        actor = UserFactory()
        seller_moderator_appoint(seller=intruder, moderator=actor)
    client = APIClient()
    client.force_authenticate(actor)
    before = snapshot(victim)
    body = _fill(body, {key: getattr(value, "pk", value) for key, value in victim.items()})

    response = _send(client, "post", _url(name, ids, victim, intruder), body, api=True)

    assert (response.status_code, response.json()["code"]) == (403, "not_host")
    assert snapshot(victim) == before
    assert Auction.objects.filter(show=victim["show"]).count() == 1


def test_every_moderates_route_is_tried_by_someone_who_moderates_elsewhere():
    tried = {resolve(reverse(name, args=[1] * len(ids))).route for _, name, ids in MODERATOR_CASES} | {
        resolve(reverse(name, args=[1] * len(ids))).route for name, ids, _ in HELD_CASES
    }
    tried |= {resolve(reverse(name, args=[1] * len(ids))).route for _, name, ids, _ in API_MODERATOR_CASES}
    tried |= {resolve(reverse(name, args=[1] * len(ids))).route for name, ids, _ in AUCTION_HOST_CASES}
    moderates = {route for route in project_routes() if category_of(route) == MODERATES}

    assert sorted(moderates - tried) == [], "Add a MODERATOR_CASES or HELD_CASES line for these MODERATES routes"


# (list, the victim's object in Bob's shows)
MODERATOR_LISTS = [("api:moderation-sanctions", "sanction"), ("api:moderation-appeals", "appeal_to_decide")]


@pytest.mark.parametrize(("name", "key"), MODERATOR_LISTS)
def test_moderators_list_only_what_is_in_their_shows(victim, intruder, name, key):
    stranger = UserFactory()
    mine = sanction_impose(
        actor=intruder, user=stranger, kind="mute", reason="Alice's room", scope="seller", seller=intruder
    )
    appeal_create(user=stranger, sanction_id=mine.pk, text="Alice, please")
    client = APIClient()
    client.force_authenticate(victim["user"])
    theirs = _listed_ids(client.get(reverse(name)).json())
    client.force_authenticate(intruder)

    listed = _listed_ids(client.get(reverse(name)).json())

    assert victim[key].pk in theirs
    assert listed
    assert victim[key].pk not in listed
    # Bob's own mute and appeal are in Dave's shows: neither Bob nor Alice moderates there.
    assert not {victim["muted"].pk, victim["appeal"].pk} & (listed | theirs)


def test_where_you_moderate_and_your_moderators_list_only_your_own(victim, intruder):
    seller_moderator_appoint(seller=intruder, moderator=UserFactory())
    client = APIClient()
    client.force_authenticate(intruder)

    moderators = client.get(reverse("api:seller-moderators")).json()
    moderating = client.get(reverse("api:me-moderating")).json()

    assert len(moderators) == 1
    assert victim["moderator"].pk not in {row["user_id"] for row in moderators}
    assert [seller["id"] for seller in moderating["sellers"]] == [intruder.pk]


def test_notifications_of_others_cannot_be_marked_read(client, victim, intruder):
    api = APIClient()
    api.force_authenticate(intruder)
    client.force_login(intruder)
    before = snapshot(victim)

    marked = api.post(reverse("api:notification-read"), {"ids": [victim["notification"].pk]}, format="json")
    client.post(reverse("notifications:read"), {"id": victim["notification"].pk})

    assert (marked.status_code, marked.json()["changed"]) == (200, 0)
    assert snapshot(victim) == before
    assert Notification.objects.get(pk=victim["notification"].pk).read_at is None


def test_a_visible_review_of_someone_elses_product_cannot_be_answered(client, victim, intruder):
    # A visible review is public, so refusing the stranger with 403 reveals nothing; a hidden one is 404
    # (FOREIGN_CASES). Bob wrote this one, of the supplier's crate: neither he nor Alice may answer it.
    api = APIClient()
    api.force_authenticate(intruder)
    client.force_login(intruder)
    before = snapshot(victim)

    response = api.post(reverse("api:review-answer", args=[victim["review"].pk]), {"answer": "Hi"}, format="json")
    client.post(reverse("commerce:review_answer", args=[victim["review"].pk]), {"answer": "Hi"})

    assert (response.status_code, response.json()["code"]) == (403, "not_your_product")
    assert snapshot(victim) == before


# SELF routes that name the victim's things, in the URL or the body, yet change only the caller's own:
# (method, route name, ids taken from the victim, body, the intruder's answer).
SELF_CASES = [
    ("delete", "api:wishlist-item", ["supplier"], None, 204),
    ("put", "api:wishlist-item", ["supplier"], None, 201),
    ("post", "commerce:wishlist_remove", ["supplier"], None, 302),
    ("post", "commerce:wishlist_save", ["supplier"], None, 302),
    ("post", "api:reviews", [], {"order_line_id": "{line}", "rating": 1, "seller_rating": 1}, 404),
    ("post", "api:seller-mute-words", [], {"word": "bobsword"}, 201),
    ("post", "api:seller-patterns", [], {"pattern": "bobs+pattern"}, 201),
    # Reporting Bob's product makes the intruder's own report; Bob's report is not touched.
    ("post", "api:reports", [], {"kind": "product", "id": "{product}", "reason": "spam"}, 201),
    ("post", "api:reports", [], {"kind": "user", "id": "{user}", "reason": "spam", "details": "again"}, 201),
    ("put", "api:seller-slow-mode", [], {"seconds": 0, "show_id": None}, 200),
    ("post", "api:seller-moderators", [], {"email": "{moderator_email}"}, 201),
    ("post", "api:appeals", [], {"sanction_id": "{muted}", "text": "Alice appeals Bob's mute"}, 404),
    ("post", "api:appeals", [], {"sanction_id": "{sanction}", "text": "Alice appeals the troll's mute"}, 404),
    ("post", "moderation:standing", [], {"sanction_id": "{muted}", "text": "Alice appeals Bob's mute"}, 404),
]


@pytest.mark.parametrize(("method", "name", "ids", "body", "expected"), SELF_CASES, ids=lambda v: str(v))
def test_self_routes_naming_the_victims_things_change_only_your_own(
    client, victim, intruder, method, name, ids, body, expected
):
    api = name.startswith("api:")
    if api:
        client = APIClient()
        client.force_authenticate(intruder)
    else:
        client.force_login(intruder)
    before = snapshot(victim)
    body = _fill(body, {key: getattr(value, "pk", value) for key, value in victim.items()})

    response = _send(client, method, _url(name, ids, victim, intruder), body, api=api)

    assert response.status_code == expected, response.content
    assert snapshot(victim) == before


# (list, the victim's object, whether the victim sees it there)
API_LISTS = [
    ("api:seller-products", "product", True),
    ("api:orders", "purchase", True),
    ("api:orders", "sale", False),
    ("api:seller-orders", "sale", True),
    ("api:seller-orders", "purchase", False),
    ("api:cart", "item", True),
    ("api:tokens", "token", True),
    ("api:notification-list", "notification", True),
    ("api:reviews", "review", True),
    ("api:wishlist", "supplier", True),
    ("api:seller-product-imports", "import", True),
    ("api:seller-mute-words", "word", True),
    ("api:seller-patterns", "pattern", True),
    ("api:reports", "report", True),
    ("api:held-messages", "held", True),
    ("api:my-sanctions", "muted", True),
    ("api:appeals", "appeal", True),
    ("api:auction-offers", "offer", True),
]


def _listed_ids(body):
    rows = body.get("results", body.get("items")) if isinstance(body, dict) else body
    # A saved product is listed as the product.
    return {row["id"] if "id" in row else row["product"]["id"] for row in rows}


@pytest.mark.parametrize(("name", "key", "victim_sees_it"), API_LISTS)
def test_api_lists_show_only_your_own_objects(victim, intruder, name, key, victim_sees_it):
    # The intruder has one of each too, so an empty list would prove nothing.
    bought = delivered(buyer=intruder, product=ProductFactory())
    review_create(author=intruder, order_line_id=bought.lines.get().pk, rating=5, seller_rating=5)
    wishlist_add(buyer=intruder, product_id=ProductFactory().pk)
    product_import_start(seller=intruder, upload=SimpleUploadedFile("alice.csv", b"title,price\nA,1\n"))
    mute_word_add(seller=intruder, word="aliceword")
    pattern_add(seller=intruder, pattern="alice+")
    _held_in_shows_of(intruder)
    report_create(reporter=intruder, kind="product", object_id=ProductFactory().pk, reason="spam")
    warned = sanction_impose(actor=None, user=intruder, kind="warning", reason="Alice's caps")
    appeal_create(user=intruder, sanction_id=warned.pk, text="Alice appeals")
    stranger = UserFactory()
    cart_add(buyer=stranger, product_id=ProductFactory(seller=intruder).pk)
    checkout(buyer=stranger, shipping=ADDRESS)
    cart_add(buyer=intruder, product_id=victim["product"].pk)
    checkout(buyer=intruder, shipping=ADDRESS)
    cart_add(buyer=intruder, product_id=victim["product"].pk)
    api_token_create(user=intruder, name="Alice's phone")
    notification_create(user=intruder, kind="account", title="Only for Alice", body="", url="/")
    _second_chance_for(intruder)
    client = APIClient()
    client.force_authenticate(victim["user"])
    theirs = _listed_ids(client.get(reverse(name)).json())
    client.force_authenticate(intruder)

    listed = _listed_ids(client.get(reverse(name)).json())

    assert (victim[key].pk in theirs) == victim_sees_it
    assert listed
    assert victim[key].pk not in listed


def test_pages_list_only_your_own_objects(client, victim, intruder):
    client.force_login(intruder)
    pages = "".join(
        client.get(reverse(name)).content.decode()
        for name in [
            "commerce:seller_products",
            "commerce:orders",
            "commerce:seller_orders",
            "commerce:cart",
            "users:devices",
            "notifications:list",
            "commerce:saved",
            "commerce:seller_product_import_new",
            "moderation:seller",
            "moderation:moderating",
            "moderation:standing",
        ]
    )

    for secret in [
        "Bobs secret lamp",
        victim["purchase"].number,
        victim["sale"].number,
        "Suppliers crate",
        "Bob&#x27;s phone",
        "Only for Bob",
        "bobs-secret-stock.csv",
        "bobsword",
        "Bobs helper",
        "Bobs troll",
        "Bobs reason",
        "Bobs secret mute reason",
        "Bobs secret appeal",
    ]:
        assert secret not in pages


# --- Mass assignment: the owner cannot write the columns that decide ownership, state or money ------
def _protected(obj: Any, fields: list[str]) -> dict[str, Any]:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {name: getattr(fresh, name) for name in fields}


PRODUCT_COLUMNS = ["seller_id", "status", "quantity_reserved", "created_at", "id"]
USER_COLUMNS = ["email", "is_staff", "is_superuser", "is_seller", "is_moderator", "is_active", "email_verified_at"]
ORDER_COLUMNS = [
    "buyer_id",
    "seller_id",
    "status",
    "currency",
    "subtotal_cents",
    "shipping_cents",
    "total_cents",
    "payment_reference",
]
ITEM_COLUMNS = ["cart_id", "product_id"]
REVIEW_COLUMNS = [
    "author_id",
    "product_id",
    "seller_id",
    "order_line_id",
    "is_hidden",
    "rating",
    "seller_rating",
    "answer",
    "answered_at",
    "created_at",
]
REFUND_COLUMNS = [*ORDER_COLUMNS, "refunded_cents"]
STOCK_COLUMNS = [*PRODUCT_COLUMNS, "quantity_on_hand", "low_stock_threshold", "overstock_threshold"]
SHOW_COLUMNS = ["seller_id", "status", "started_at", "ended_at", "private_token", "schedule_id", "id"]
SCHEDULE_COLUMNS = ["seller_id", "stopped_at", "id"]
MASS_ASSIGNMENT = [
    # (who sends it, method, route name, object, body, protected columns)
    ("user", "patch", "api:seller-product", "product", {"seller": "{intruder}"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"seller_id": "{intruder}"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"status": "archived"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"id": 1, "title": "Renamed"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"quantity_reserved": 5, "title": "T"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"created_at": "2001-01-01T00:00:00Z"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"seller": {"id": "{intruder}"}}, PRODUCT_COLUMNS),
    ("user", "put", "api:seller-product", "product", {"title": "T", "price_cents": 1, "status": "x"}, PRODUCT_COLUMNS),
    ("user", "patch", "api:seller-product", "product", {"fee_cents": 0, "platform_fee_cents": 0}, PRODUCT_COLUMNS),
    ("user", "patch", "api:me", None, {"is_staff": True, "display_name": "Boss"}, USER_COLUMNS),
    ("user", "patch", "api:me", None, {"is_superuser": True}, USER_COLUMNS),
    ("user", "patch", "api:me", None, {"is_seller": False, "is_moderator": True}, USER_COLUMNS),
    ("user", "patch", "api:me", None, {"roles": ["staff", "moderator"]}, USER_COLUMNS),
    ("user", "patch", "api:me", None, {"email": "boss@example.com", "email_verified": False}, USER_COLUMNS),
    ("user", "put", "api:me", None, {"display_name": "Boss", "is_staff": True}, USER_COLUMNS),
    ("user", "patch", "api:cart-item", "item", {"quantity": 1, "product_id": "{intruder_product}"}, ITEM_COLUMNS),
    ("user", "patch", "api:cart-item", "item", {"quantity": 1, "cart": 1, "price_cents": 1}, ITEM_COLUMNS),
    ("user", "put", "api:cart-item", "item", {"quantity": 1, "product": "{intruder_product}"}, ITEM_COLUMNS),
    ("user", "post", "api:order-pay", "purchase", {"card_number": TEST_CARD_SUCCESS, "status": "paid"}, ORDER_COLUMNS),
    ("user", "post", "api:order-cancel", "purchase", {"status": "delivered", "buyer": "{intruder}"}, ORDER_COLUMNS),
    (
        "user",
        "post",
        "api:seller-order-ship",
        "sale",
        {"carrier": "U", "tracking_number": "1", "status": "delivered"},
        ORDER_COLUMNS,
    ),
    (
        "user",
        "post",
        "api:seller-order-ship",
        "sale",
        {"carrier": "U", "tracking_number": "1", "buyer": "{intruder}"},
        ORDER_COLUMNS,
    ),
    (
        "user",
        "post",
        "api:seller-order-ship",
        "sale",
        {"carrier": "U", "tracking_number": "1", "total_cents": 1},
        ORDER_COLUMNS,
    ),
    ("user", "patch", "api:notification-preferences", None, {"user": "{intruder}", "orders": False}, USER_COLUMNS),
    ("user", "patch", "api:review", "review", {"author": "{intruder}", "text": "Still mine"}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"product": "{intruder_product}"}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"seller": "{intruder}", "seller_id": "{intruder}"}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"is_hidden": True, "text": "Hide me"}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"order_line": 1, "order_line_id": 1}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"answer": "I answer myself"}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"rating": 6}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"rating": 0, "text": "Zero"}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"seller_rating": -1}, REVIEW_COLUMNS),
    ("user", "patch", "api:review", "review", {"rating": "5 stars"}, REVIEW_COLUMNS),
    ("user", "put", "api:review", "review", {"rating": 1, "seller_rating": 1, "text": "", "author": 1}, REVIEW_COLUMNS),
    # The seller answers a review of his product: the answer only, never its rating or visibility.
    ("user", "post", "api:review-answer", "received_review", {"answer": "Sorry", "is_hidden": False}, REVIEW_COLUMNS),
    ("user", "post", "api:review-answer", "received_review", {"answer": "Sorry", "rating": 5}, REVIEW_COLUMNS),
    ("user", "post", "api:review-answer", "received_review", {"answer": "Hi", "author": "{intruder}"}, REVIEW_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"status": "refunded"}, REFUND_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"amount_cents": 1, "status": "refunded"}, REFUND_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"amount_cents": 1, "refunded_cents": 0}, REFUND_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"amount_cents": 1, "buyer": "{intruder}"}, REFUND_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"amount_cents": 0}, REFUND_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"amount_cents": -100}, REFUND_COLUMNS),
    ("user", "post", "api:seller-order-refund", "sale", {"amount_cents": 10**9}, REFUND_COLUMNS),
    (
        "user",
        "put",
        "api:seller-product-stock-thresholds",
        "product",
        {"low_stock_threshold": 1, "quantity_on_hand": 0},
        STOCK_COLUMNS,
    ),
    (
        "user",
        "put",
        "api:seller-product-stock-thresholds",
        "product",
        {"low_stock_threshold": 1, "seller": "{intruder}", "status": "archived"},
        STOCK_COLUMNS,
    ),
    (
        "user",
        "put",
        "api:seller-product-stock-thresholds",
        "product",
        {"low_stock_threshold": 5, "overstock_threshold": 2},
        STOCK_COLUMNS,
    ),
    ("user", "put", "api:seller-product-stock-thresholds", "product", {"low_stock_threshold": -1}, STOCK_COLUMNS),
    ("user", "patch", "api:seller-show", "show", {"seller": "{intruder}", "title": "T"}, SHOW_COLUMNS),
    ("user", "patch", "api:seller-show", "show", {"seller_id": "{intruder}"}, SHOW_COLUMNS),
    (
        "user",
        "patch",
        "api:seller-show",
        "show",
        {"status": "live", "started_at": "2001-01-01T00:00:00Z"},
        SHOW_COLUMNS,
    ),
    ("user", "patch", "api:seller-show", "show", {"private_token": "guessable", "title": "T"}, SHOW_COLUMNS),
    ("user", "patch", "api:seller-show", "show", {"schedule_id": 1}, SHOW_COLUMNS),
    ("user", "patch", "api:seller-schedule", "schedule", {"seller": "{intruder}", "title": "T"}, SCHEDULE_COLUMNS),
    ("user", "patch", "api:seller-schedule", "schedule", {"stopped_at": "2001-01-01T00:00:00Z"}, SCHEDULE_COLUMNS),
    (
        "user",
        "put",
        "api:seller-product-stock-thresholds",
        "product",
        {"low_stock_threshold": 1, "quantity_reserved": 9},
        STOCK_COLUMNS,
    ),
]


ACTION_STATUS = {
    "api:order-pay": OrderStatus.PAID,
    "api:order-cancel": OrderStatus.CANCELLED,
    "api:seller-order-ship": OrderStatus.SHIPPED,
}


def _fill(value: Any, values: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return values[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("_who", "method", "name", "key", "body", "columns"), MASS_ASSIGNMENT, ids=str)
def test_api_protected_columns_cannot_be_written(victim, intruder, _who, method, name, key, body, columns):
    owner = victim["user"]
    client = APIClient()
    client.force_authenticate(owner)
    target = victim[key] if key else owner
    # The owner's purchase awaits payment again, so paying and cancelling it are open to them.
    if key == "purchase":
        purchase = Order.objects.get(pk=target.pk)
        purchase.status = OrderStatus.PENDING_PAYMENT
        purchase.save(update_fields=["status"])
    values = {"intruder": intruder.pk, "intruder_product": ProductFactory(seller=intruder).pk}
    before = _protected(target, columns)
    url = reverse(name, args=[target.pk]) if key else reverse(name)

    response = getattr(client, method)(
        url + f"?seller={intruder.pk}&status=archived", _fill(body, values), format="json"
    )

    assert response.status_code in {200, 400, 405}, response.content
    if response.status_code == 400:
        assert response.json()["message"]
        assert response.json()["fields"]
    after = _protected(target, columns)
    if response.status_code == 200 and name in ACTION_STATUS:
        # The request asked for this action: the server moves the order to the status it chooses.
        assert after.pop("status") == ACTION_STATUS[name]
        after.pop("payment_reference")
        before = {k: v for k, v in before.items() if k not in {"status", "payment_reference"}}
    assert after == before


# Rows made through SELF routes: (method, route name, ids, body, model, owner column). Whatever the body
# says, the new row is the caller's and the intruder named in it gets nothing.
CREATE_MASS_ASSIGNMENT = [
    ("post", "api:seller-mute-words", [], {"word": "spam", "seller": "{intruder}"}, ModerationWord, "seller"),
    ("post", "api:seller-mute-words", [], {"word": "spam", "seller_id": "{intruder}"}, ModerationWord, "seller"),
    ("post", "api:seller-patterns", [], {"pattern": "sp+am", "seller": "{intruder}"}, ModerationPattern, "seller"),
    ("post", "api:seller-patterns", [], {"pattern": "sp+am", "seller_id": "{intruder}"}, ModerationPattern, "seller"),
    (
        "post",
        "api:reports",
        [],
        {"kind": "user", "id": "{intruder}", "reason": "spam", "reporter": "{intruder}"},
        Report,
        "reporter",
    ),
    (
        "post",
        "api:reports",
        [],
        {"kind": "user", "id": "{intruder}", "reason": "spam", "status": "upheld"},
        Report,
        "reporter",
    ),
    ("put", "api:seller-slow-mode", [], {"seconds": 5, "show_id": None, "seller": "{intruder}"}, SlowMode, "seller"),
    ("put", "api:seller-slow-mode", [], {"seconds": 5, "show_id": 7, "seller_id": "{intruder}"}, SlowMode, "seller"),
    (
        "post",
        "api:seller-shows",
        [],
        {"title": "T", "scheduled_start": "2030-01-01T10:00:00Z", "seller": "{intruder}"},
        Show,
        "seller",
    ),
    (
        "post",
        "api:seller-shows",
        [],
        {"title": "T", "scheduled_start": "2030-01-01T10:00:00Z", "seller_id": "{intruder}", "status": "live"},
        Show,
        "seller",
    ),
    # The id in the URL is a product's.
    ("put", "api:wishlist-item", ["product"], {"buyer": "{intruder}"}, WishlistItem, "buyer"),
    ("put", "api:wishlist-item", ["product"], {"buyer_id": "{intruder}"}, WishlistItem, "buyer"),
    (
        "post",
        "api:reviews",
        [],
        {"order_line_id": "{line}", "rating": 5, "seller_rating": 5, "author": "{intruder}"},
        Review,
        "author",
    ),
    (
        "post",
        "api:reviews",
        [],
        {"order_line_id": "{line}", "rating": 5, "seller_rating": 5, "seller": "{intruder}"},
        Review,
        "seller",
    ),
]


@pytest.mark.parametrize(
    ("method", "name", "ids", "body", "model", "owner"), CREATE_MASS_ASSIGNMENT, ids=lambda v: str(v)
)
def test_api_new_rows_belong_to_the_caller(intruder, method, name, ids, body, model, owner):
    caller = SellerProfileFactory().user
    # A purchase of the caller's that is delivered and not reviewed yet.
    line = delivered(buyer=caller, product=ProductFactory()).lines.get()
    client = APIClient()
    client.force_authenticate(caller)
    url = reverse(name, args=[ProductFactory().pk for _ in ids])
    rows_before = model.objects.count()

    response = getattr(client, method)(url, _fill(body, {"intruder": intruder.pk, "line": line.pk}), format="json")

    assert response.status_code in {200, 201, 400}, response.content
    assert not model.objects.filter(**{owner: intruder}).exists()
    made = model.objects.count() - rows_before
    if response.status_code == 400:
        assert response.json()["fields"]
        assert made == 0
    # Reviews name the order line's seller and the caller as author, never what the body says.
    assert not Review.objects.filter(author=intruder).exists()
    assert not Review.objects.filter(seller=intruder).exists()


def test_page_forms_ignore_protected_fields(client, victim, intruder):
    owner, product = victim["user"], victim["product"]
    client.force_login(owner)
    product_before = _protected(product, PRODUCT_COLUMNS)
    user_before = _protected(owner, USER_COLUMNS)

    client.post(
        reverse("commerce:seller_product_edit", args=[product.pk]),
        {
            "title": "Renamed",
            "price": "12.00",
            "currency": "USD",
            "condition": "new",
            "quantity_on_hand": 9,
            "shipping_weight_grams": 0,
            "low_stock_threshold": 2,
            "seller": intruder.pk,
            "seller_id": intruder.pk,
            "status": "archived",
            "quantity_reserved": 7,
        },
    )
    client.post(
        reverse("users:profile"),
        {"display_name": "Boss", "is_staff": "on", "is_superuser": "on", "email": "boss@example.com"},
    )

    assert Product.objects.get(pk=product.pk).title == "Renamed"
    assert _protected(product, PRODUCT_COLUMNS) == product_before
    assert _protected(owner, USER_COLUMNS) == user_before
    assert not CartItem.objects.filter(cart__buyer=intruder).exists()
    assert not ApiToken.objects.filter(user=intruder).exists()
