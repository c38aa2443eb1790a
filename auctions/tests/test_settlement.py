"""Settlement after the close: the winner charged with their saved card (R7), authentication or no
card → pay in the app, and a winner who does not pay → second chance down the bidders (R12)."""

from datetime import timedelta
from typing import Any

import pytest
import stripe
from django.utils import timezone

from auctions.models import (
    AuctionEvent,
    AuctionOffer,
    AuctionOutcome,
    BidderStrike,
    OfferStatus,
)
from auctions.selectors_settlement import bidder_is_barred, bidder_strike_count
from auctions.services.settlement import (
    offer_accept,
    offer_paid,
    offer_refuse,
    settlement_start,
    settlements_sweep,
)
from auctions.signals import auction_closed
from auctions.tasks import offer_charge_task
from commerce.models import Order, OrderStatus, Product
from commerce.payments import TEST_CARD_SUCCESS
from commerce.services.line_orders import order_create_for_line
from commerce.services.orders import order_cancel, order_pay
from commerce.services.payments import card_default_set, payment_customer_get_or_create
from commerce.tests.factories import ADDRESS, ProductFactory
from commerce.tests.stripe_fake import FakeStripe
from commerce.tests.test_stripe import CARD_3DS, CARD_CHARGE_DECLINED, CARD_OK, browser, browser_saves_card, card
from shows.models import ShowStats
from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.users.tests.factories import UserFactory

from .factories_settlement import auction_closed_with_bids

pytestmark = pytest.mark.django_db


def address_on_file(user: Any) -> None:
    """Give the buyer a saved address, as their last order's (commerce keeps no other)."""
    order = order_create_for_line(
        buyer=user,
        product_id=ProductFactory.create().pk,
        quantity=1,
        unit_price_cents=100,
        source="earlier",
        shipping=ADDRESS,
    )
    order_cancel(buyer=user, order_id=order.pk)


def saves_card_needing_authentication(fake: FakeStripe, user: Any) -> None:
    """A saved card whose bank asks for authentication on every charge, off-session ones included."""
    method = card(fake, CARD_3DS)
    browser(fake).v1.payment_methods.attach(method, params={"customer": payment_customer_get_or_create(user=user)})
    card_default_set(user=user, payment_method_id=method)


def bidders(count: int, *, address: bool = True) -> list[Any]:
    users = [UserFactory() for _ in range(count)]
    for user in users if address else ():
        address_on_file(user)
    return users


def kinds(auction: Any) -> list[str]:
    return list(AuctionEvent.objects.filter(auction=auction).order_by("at", "id").values_list("kind", flat=True))


def stats_orders(auction: Any) -> tuple[int, int]:
    stats = ShowStats.objects.filter(show_id=auction.show_id).first()
    return (stats.orders, stats.revenue_cents) if stats else (0, 0)


def on_hand(auction: Any) -> tuple[int, int]:
    product = Product.objects.get(pk=auction.product_id)
    return product.quantity_on_hand, product.quantity_reserved


def live_offers(auction: Any) -> int:
    live = (OfferStatus.OFFERED, OfferStatus.CHARGING, OfferStatus.AWAITING_PAYMENT, OfferStatus.PAID)
    return AuctionOffer.objects.filter(auction=auction, status__in=live).count()


# --- The winner pays with their saved card ---------------------------------------------------------


def test_the_close_signal_charges_the_winner_at_the_hammer_price(fake_stripe, django_capture_on_commit_callbacks):
    winner, runner_up = bidders(2)
    browser_saves_card(fake_stripe, winner, CARD_OK)
    # The hammer price ($23) is above the catalog's $15: the bidders set it.
    auction = auction_closed_with_bids([(runner_up, 2200), (winner, 3000)], winning_cents=2300)

    with django_capture_on_commit_callbacks(execute=True):
        auction_closed.send(sender=type(auction), auction_id=auction.pk)

    offer = AuctionOffer.objects.get(auction=auction)
    assert (offer.buyer, offer.rank, offer.amount_cents, offer.status) == (winner, 1, 2300, OfferStatus.PAID)
    order = Order.objects.get(pk=offer.order_id)
    assert (order.status, order.subtotal_cents, order.buyer) == (OrderStatus.PAID, 2300, winner)
    assert order.lines.get().unit_price_cents == 2300
    assert [pi.amount for pi in fake_stripe.payment_intents()] == [order.total_cents]
    assert kinds(auction) == ["offered", "paid"]
    assert stats_orders(auction) == (1, 2300)
    assert on_hand(auction) == (2, 0)
    assert not BidderStrike.objects.exists()


def test_r7_the_charge_task_run_three_times_after_a_timeout_pays_once(fake_stripe, django_capture_on_commit_callbacks):
    [winner] = bidders(1)
    browser_saves_card(fake_stripe, winner, CARD_OK)
    auction = auction_closed_with_bids([(winner, 2000)], winning_cents=100)
    # The close's charge task is not run here: the test runs it, three times.
    offer = settlement_start(auction_id=auction.pk)
    assert offer is not None
    assert offer.status == OfferStatus.CHARGING
    # Stripe takes the charge but its answer is lost, as in a timeout.
    fake_stripe.drop_answers = 1

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(stripe.APIConnectionError):
            offer_charge_task.run(offer.pk)
        assert offer_charge_task.run(offer.pk) == OfferStatus.PAID
        assert offer_charge_task.run(offer.pk) == OfferStatus.PAID

    assert [pi.status for pi in fake_stripe.payment_intents()] == ["succeeded"]
    keys = {key for _, path, key in fake_stripe.requests if path == "/v1/payment_intents"}
    assert len(keys) == 1
    order = Order.objects.get(auction_offer__pk=offer.pk)
    assert Order.objects.filter(buyer=winner, status=OrderStatus.PAID).count() == 1
    assert order.events.filter(to_status=OrderStatus.PAID, from_status=OrderStatus.PENDING_PAYMENT).count() == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PAID
    assert kinds(auction) == ["offered", "paid"]
    assert stats_orders(auction) == (1, 100)


# --- Paying in the app: authentication, no card, no address ------------------------------------------


def test_authentication_asked_leaves_the_winner_a_window_to_pay_in_the_app(
    fake_stripe, settings, django_capture_on_commit_callbacks
):
    settings.AUCTION_PAY_WINDOW_MINUTES = 45
    [winner] = bidders(1)
    saves_card_needing_authentication(fake_stripe, winner)
    auction = auction_closed_with_bids([(winner, 2000)], winning_cents=900)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)

    offer = AuctionOffer.objects.get(auction=auction)
    assert offer.status == OfferStatus.AWAITING_PAYMENT
    assert offer.pay_by is not None
    assert before + timedelta(minutes=45) <= offer.pay_by <= timezone.now() + timedelta(minutes=45)
    assert offer.message == "Your bank asks you to confirm this payment."
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.PENDING_PAYMENT
    notice = winner.notifications.get(url=offer.get_absolute_url())
    assert "Pay $9.00" in notice.title
    assert kinds(auction) == ["offered", "payment_asked"]
    assert stats_orders(auction) == (0, 0)


def test_without_stripe_the_winner_pays_on_the_order_page_and_the_sale_counts_once(
    django_capture_on_commit_callbacks,
):
    [winner] = bidders(1)
    auction = auction_closed_with_bids([(winner, 2000)], winning_cents=1200)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)
    offer = AuctionOffer.objects.get(auction=auction)
    assert (offer.status, offer.message) == (
        OfferStatus.AWAITING_PAYMENT,
        "There is no saved card to charge: pay with a card.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        order_pay(buyer=winner, order_id=offer.order_id, card_number=TEST_CARD_SUCCESS)
    offer_paid(order_id=offer.order_id)  # heard again (a replay): nothing more happens

    offer.refresh_from_db()
    assert offer.status == OfferStatus.PAID
    assert kinds(auction) == ["offered", "payment_asked", "paid"]
    assert AuctionEvent.objects.get(auction=auction, kind="paid").note == "Paid $12.00 in the app"
    assert stats_orders(auction) == (1, 1200)


def test_without_an_address_the_offer_waits_and_accepting_with_one_makes_the_order(
    django_capture_on_commit_callbacks,
):
    [winner] = bidders(1, address=False)
    auction = auction_closed_with_bids([(winner, 2000)], winning_cents=1200)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)
    offer = AuctionOffer.objects.get(auction=auction)
    assert (offer.status, offer.order_id) == (OfferStatus.AWAITING_PAYMENT, None)
    assert on_hand(auction) == (3, 0)

    with pytest.raises(ApplicationError) as refused:
        offer_accept(buyer=winner, offer_id=offer.pk)
    assert refused.value.code == "address_required"
    assert not Order.objects.filter(buyer=winner).exists()

    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(buyer=winner, offer_id=offer.pk, shipping=ADDRESS)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.AWAITING_PAYMENT
    order = Order.objects.get(pk=offer.order_id)
    assert (order.shipping_city, order.total_cents) == (ADDRESS["shipping_city"], 1200 + order.shipping_cents)
    assert on_hand(auction) == (3, 1)
    assert kinds(auction) == ["offered", "payment_asked", "accepted", "payment_asked"]


# --- R12: the winner does not pay → second chance --------------------------------------------------


def test_r12_a_decline_gives_a_strike_and_a_second_chance_down_the_distinct_bidders(
    fake_stripe, django_capture_on_commit_callbacks
):
    winner, second, third, fourth = bidders(4)
    browser_saves_card(fake_stripe, winner, CARD_CHARGE_DECLINED)
    browser_saves_card(fake_stripe, third, CARD_OK)
    # `second` and `third` reach the same max; `second` got there first. The winner's own bids and
    # `second`'s lower bid do not make other candidates.
    auction = auction_closed_with_bids(
        [(second, 500), (winner, 600), (second, 1800), (third, 1800), (fourth, 700), (winner, 4000)],
        winning_cents=1900,
    )

    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)

    first = AuctionOffer.objects.get(auction=auction, rank=1)
    assert first.status == OfferStatus.DECLINED
    assert Order.objects.get(pk=first.order_id).status == OrderStatus.CANCELLED
    assert on_hand(auction) == (3, 0)
    assert BidderStrike.objects.get().user == winner
    chance = AuctionOffer.objects.get(auction=auction, rank=2)
    assert (chance.buyer, chance.amount_cents, chance.status, chance.order_id) == (
        second,
        1800,
        OfferStatus.OFFERED,
        None,
    )
    assert second.notifications.filter(url=chance.get_absolute_url(), title__startswith="A second chance").exists()

    with django_capture_on_commit_callbacks(execute=True):
        offer_refuse(buyer=second, offer_id=chance.pk)
    third_offer = AuctionOffer.objects.get(auction=auction, rank=3)
    assert (third_offer.buyer, third_offer.amount_cents) == (third, 1800)

    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(buyer=third, offer_id=third_offer.pk)

    third_offer.refresh_from_db()
    assert third_offer.status == OfferStatus.PAID
    assert Order.objects.get(pk=third_offer.order_id).status == OrderStatus.PAID
    assert Order.objects.filter(lines__product_id=auction.product_id, status=OrderStatus.PAID).count() == 1
    assert on_hand(auction) == (2, 0)
    assert live_offers(auction) == 1
    assert BidderStrike.objects.count() == 1  # turning a second chance down is no strike
    assert kinds(auction) == ["offered", "declined", "strike", "offered", "refused", "offered", "accepted", "paid"]
    assert stats_orders(auction) == (1, 1800)


def test_r12_authentication_not_completed_then_nobody_answers_leaves_the_lot_unpaid(
    fake_stripe, django_capture_on_commit_callbacks
):
    winner, second = bidders(2)
    saves_card_needing_authentication(fake_stripe, winner)
    auction = auction_closed_with_bids([(second, 1100), (winner, 1500)], winning_cents=1200)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)
    first = AuctionOffer.objects.get(auction=auction, rank=1)
    assert first.status == OfferStatus.AWAITING_PAYMENT

    # The sweep before the window closes changes nothing.
    assert settlements_sweep(now=first.pay_by - timedelta(seconds=1)) == 0
    assert kinds(auction) == ["offered", "payment_asked"]

    with django_capture_on_commit_callbacks(execute=True):
        assert settlements_sweep(now=first.pay_by + timedelta(seconds=1)) == 1
    first.refresh_from_db()
    assert first.status == OfferStatus.EXPIRED
    assert Order.objects.get(pk=first.order_id).status == OrderStatus.CANCELLED
    assert on_hand(auction) == (3, 0)
    chance = AuctionOffer.objects.get(auction=auction, rank=2)
    assert (chance.buyer, chance.amount_cents, chance.status) == (second, 1100, OfferStatus.OFFERED)

    with django_capture_on_commit_callbacks(execute=True):
        assert settlements_sweep(now=chance.pay_by + timedelta(seconds=1)) == 1
    chance.refresh_from_db()
    auction.refresh_from_db()
    assert chance.status == OfferStatus.EXPIRED
    assert auction.outcome == AuctionOutcome.UNPAID
    assert list(BidderStrike.objects.values_list("user", flat=True)) == [winner.pk]
    assert kinds(auction) == ["offered", "payment_asked", "expired", "strike", "offered", "expired", "unsold"]
    assert auction.seller.notifications.filter(title__endswith="was not paid for").count() == 1
    assert live_offers(auction) == 0
    assert stats_orders(auction) == (0, 0)


def test_an_order_the_buyer_cancels_while_it_is_charged_ends_the_offer_with_a_strike(
    django_capture_on_commit_callbacks,
):
    winner, second = bidders(2)
    auction = auction_closed_with_bids([(second, 700), (winner, 1500)], winning_cents=800)
    offer = settlement_start(auction_id=auction.pk)  # its charge task has not run yet
    assert offer is not None
    assert offer.order_id is not None
    order_cancel(buyer=winner, order_id=offer.order_id)

    with django_capture_on_commit_callbacks(execute=True):
        assert offer_charge_task.run(offer.pk) == OfferStatus.EXPIRED

    assert BidderStrike.objects.get().user == winner
    assert AuctionOffer.objects.get(auction=auction, rank=2).buyer == second
    assert kinds(auction) == ["offered", "expired", "strike", "offered"]


def test_a_second_chance_accepted_without_a_card_gets_a_fresh_window_to_pay(
    settings, django_capture_on_commit_callbacks
):
    settings.AUCTION_SECOND_CHANCE_MINUTES = 5
    winner, second = bidders(2)
    auction = auction_closed_with_bids([(second, 700), (winner, 1500)], winning_cents=800)
    with django_capture_on_commit_callbacks(execute=True):
        first = settlement_start(auction_id=auction.pk)
    assert first is not None
    with django_capture_on_commit_callbacks(execute=True):
        settlements_sweep(now=timezone.now() + timedelta(minutes=31))
    chance = AuctionOffer.objects.get(auction=auction, rank=2)
    assert chance.pay_by is not None
    assert chance.pay_by <= timezone.now() + timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(buyer=second, offer_id=chance.pk)

    chance.refresh_from_db()
    assert chance.status == OfferStatus.AWAITING_PAYMENT
    assert chance.pay_by is not None
    assert chance.pay_by > timezone.now() + timedelta(minutes=29)


# --- Refusals --------------------------------------------------------------------------------------


def second_chance(django_capture_on_commit_callbacks: Any) -> tuple[Any, Any, AuctionOffer]:
    """An auction whose winner had no card and let the window pass: a second chance to `second`."""
    winner, second = bidders(2)
    auction = auction_closed_with_bids([(second, 1000), (winner, 1500)], winning_cents=1100)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_start(auction_id=auction.pk)
    first = AuctionOffer.objects.get(auction=auction, rank=1)
    assert first.pay_by is not None
    with django_capture_on_commit_callbacks(execute=True):
        settlements_sweep(now=first.pay_by + timedelta(seconds=1))
    return auction, second, AuctionOffer.objects.get(auction=auction, rank=2)


def snapshot(auction: Any) -> tuple[Any, ...]:
    offers = list(AuctionOffer.objects.filter(auction=auction).values_list("pk", "status", "order_id", "pay_by"))
    return offers, kinds(auction), Order.objects.count(), on_hand(auction)


def test_someone_elses_offer_is_not_found_and_nothing_changes(django_capture_on_commit_callbacks):
    auction, _, chance = second_chance(django_capture_on_commit_callbacks)
    before = snapshot(auction)
    stranger = UserFactory()
    for action in (offer_accept, offer_refuse):
        with pytest.raises(NotFound):
            action(buyer=stranger, offer_id=chance.pk)
    assert snapshot(auction) == before


def test_an_expired_second_chance_cannot_be_accepted_or_refused(django_capture_on_commit_callbacks):
    auction, second, chance = second_chance(django_capture_on_commit_callbacks)
    AuctionOffer.objects.filter(pk=chance.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
    before = snapshot(auction)
    for action in (offer_accept, offer_refuse):
        with pytest.raises(Conflict) as refused:
            action(buyer=second, offer_id=chance.pk)
        assert (refused.value.code, refused.value.status) == ("offer_expired", 409)
    assert snapshot(auction) == before


def test_a_refused_offer_cannot_be_accepted_and_refusing_again_changes_nothing(django_capture_on_commit_callbacks):
    auction, second, chance = second_chance(django_capture_on_commit_callbacks)
    offer_refuse(buyer=second, offer_id=chance.pk)
    before = snapshot(auction)
    assert offer_refuse(buyer=second, offer_id=chance.pk).status == OfferStatus.REFUSED
    with pytest.raises(Conflict) as refused:
        offer_accept(buyer=second, offer_id=chance.pk)
    assert refused.value.code == "offer_closed"
    assert snapshot(auction) == before


def test_a_winner_cannot_turn_down_what_they_won_and_accepting_twice_changes_nothing(
    django_capture_on_commit_callbacks,
):
    [winner] = bidders(1)
    auction = auction_closed_with_bids([(winner, 1500)], winning_cents=100)
    with django_capture_on_commit_callbacks(execute=True):
        offer = settlement_start(auction_id=auction.pk)
    assert offer is not None
    before = snapshot(auction)
    with pytest.raises(Conflict) as refused:
        offer_refuse(buyer=winner, offer_id=offer.pk)
    assert refused.value.code == "offer_closed"
    assert offer_accept(buyer=winner, offer_id=offer.pk).status == OfferStatus.AWAITING_PAYMENT
    assert snapshot(auction) == before


@pytest.mark.parametrize("outcome", [AuctionOutcome.NO_BIDS, AuctionOutcome.RESERVE_NOT_MET])
def test_an_unsold_close_offers_nothing(outcome):
    [bidder] = bidders(1)
    auction = auction_closed_with_bids([(bidder, 500)], winning_cents=500, outcome=outcome)
    assert settlement_start(auction_id=auction.pk) is None
    assert not AuctionOffer.objects.exists()
    assert kinds(auction) == []


def test_starting_twice_offers_once(django_capture_on_commit_callbacks):
    [winner] = bidders(1)
    auction = auction_closed_with_bids([(winner, 1500)], winning_cents=100)
    with django_capture_on_commit_callbacks(execute=True):
        first = settlement_start(auction_id=auction.pk)
        again = settlement_start(auction_id=auction.pk)
    assert first == again
    assert AuctionOffer.objects.count() == 1
    assert Order.objects.filter(buyer=winner, lines__product_id=auction.product_id).count() == 1


# --- The sweep picks up lost tasks ---------------------------------------------------------------


def test_the_sweep_starts_a_lost_settlement_and_resends_a_stale_charge(fake_stripe, django_capture_on_commit_callbacks):
    winner, other_winner = bidders(2)
    browser_saves_card(fake_stripe, winner, CARD_OK)
    browser_saves_card(fake_stripe, other_winner, CARD_OK)
    lost_start = auction_closed_with_bids([(winner, 1500)], winning_cents=100)
    lost_charge = auction_closed_with_bids([(other_winner, 1500)], winning_cents=200)
    offer = settlement_start(auction_id=lost_charge.pk)  # its charge task never ran
    assert offer is not None
    later = timezone.now() + timedelta(minutes=6)

    assert settlements_sweep(now=timezone.now()) == 0
    assert not AuctionOffer.objects.filter(auction=lost_start).exists()
    with django_capture_on_commit_callbacks(execute=True):
        settlements_sweep(now=later)

    assert AuctionOffer.objects.get(auction=lost_start).status == OfferStatus.PAID
    assert AuctionOffer.objects.get(auction=lost_charge).status == OfferStatus.PAID
    assert len(fake_stripe.payment_intents()) == 2


def test_the_sweep_is_on_the_beat_schedule():
    from tokshop.celery import app

    assert app.conf.beat_schedule["auctions.settlements_sweep"]["task"] == "auctions.settlements_sweep"


# --- Strikes ----------------------------------------------------------------------------------------


def test_strikes_in_the_last_90_days_bar_bidding_at_the_setting(settings):
    settings.AUCTION_STRIKES_TO_BAR = 2
    [bidder] = bidders(1, address=False)
    old, recent = (auction_closed_with_bids([(bidder, 500)], winning_cents=500) for _ in range(2))
    BidderStrike.objects.create(user=bidder, auction=old, reason="x", created_at=timezone.now() - timedelta(days=91))
    BidderStrike.objects.create(user=bidder, auction=recent, reason="x")
    assert bidder_strike_count(user_id=bidder.pk) == 1
    assert not bidder_is_barred(user_id=bidder.pk)

    BidderStrike.objects.filter(auction=old).update(created_at=timezone.now() - timedelta(days=89))
    assert bidder_strike_count(user_id=bidder.pk) == 2
    assert bidder_is_barred(user_id=bidder.pk)
    assert not bidder_is_barred(user_id=UserFactory().pk)
