"""Stripe: saved cards, a PaymentIntent per order, webhooks (R4, R5, R6), off-session charges (R7).

Everything runs against a local fake of Stripe's HTTP API (stripe_fake.py); the "browser" steps
(Stripe.js confirming an intent) are made with a second client on the fake, as Stripe.js would.
"""

import contextlib
import itertools
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import stripe
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.models import (
    Order,
    OrderDispute,
    OrderEvent,
    OrderRefund,
    OrderStatus,
    PaymentCustomer,
    StockReservation,
    WebhookEvent,
)
from commerce.payments import TEST_CARD_SUCCESS, payment_gateway, stripe_enabled
from commerce.services.cart import cart_add
from commerce.services.inventory import reservations_expire
from commerce.services.orders import checkout, order_cancel, order_pay
from commerce.services.payments import (
    card_setup_start,
    card_setup_succeeded,
    order_charge_saved_card,
    order_payment_start,
    order_payment_sync,
)
from commerce.services.webhooks import webhook_event_process
from commerce.tasks import order_charge_saved_card_task, webhook_events_replay_task
from tokshop.core.errors import Conflict
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .conftest import signed
from .factories import ADDRESS, ProductFactory
from .stripe_fake import FakeStripe

pytestmark = pytest.mark.django_db

CARD_OK = "4242424242424242"
CARD_CHARGE_DECLINED = "4000000000000341"
CARD_3DS = "4000002500003155"
WEBHOOK_URL = "/webhooks/stripe/"


def browser(fake: FakeStripe) -> stripe.StripeClient:
    """What Stripe.js does in the buyer's browser, done directly against the fake."""
    return stripe.StripeClient("sk_test_tokshop", base_addresses={"api": fake.url}, max_network_retries=0)


def card(fake: FakeStripe, number: str) -> str:
    method = browser(fake).v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    return method.id


def browser_pays(fake: FakeStripe, payment_intent_id: str, number: str) -> None:
    client = browser(fake)
    client.v1.payment_intents.update(payment_intent_id, params={"payment_method": card(fake, number)})
    with contextlib.suppress(stripe.CardError):
        client.v1.payment_intents.confirm(payment_intent_id)


def browser_saves_card(fake: FakeStripe, user: Any, number: str) -> str:
    intent = card_setup_start(user=user)
    browser(fake).v1.setup_intents.confirm(intent.id, params={"payment_method": card(fake, number)})
    # Stripe.js then returns to the payment methods page, which reads the SetupIntent.
    card_setup_succeeded(setup_intent_id=intent.id)
    return intent.id


def event(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "evt_" + uuid.uuid4().hex[:20],
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def stored_events(fake: FakeStripe, event_type: str) -> list[dict[str, Any]]:
    """The events the fake recorded as things happened, each with its snapshot of the object."""
    return [e._export() for e in fake.objects("event") if e.type == event_type]  # type: ignore[attr-defined]


def payment_intent_snapshot(fake: FakeStripe, payment_intent_id: str) -> dict[str, Any]:
    [intent] = [pi for pi in fake.payment_intents() if pi.id == payment_intent_id]
    return intent._export()


def deliver(client: Client, body: bytes, header: str | None) -> int:
    headers = {"Stripe-Signature": header} if header is not None else {}
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", headers=headers).status_code


def order_for(buyer: Any, *, price_cents: int = 2000) -> Order:
    product: Any = ProductFactory(seller=SellerProfileFactory().user, price_cents=price_cents, quantity_on_hand=5)
    cart_add(buyer=buyer, product_id=product.pk)
    [order] = checkout(buyer=buyer, shipping=ADDRESS)
    return order


def receipts() -> list[str]:
    return [str(m.subject) for m in mail.outbox if "receipt" in m.subject]


def paid_events(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count()


# --- Configuration ------------------------------------------------------------------------------


def test_stripe_is_off_without_keys_and_refuses_half_a_configuration(settings):
    assert not stripe_enabled()
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    with pytest.raises(ImproperlyConfigured, match="STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET"):
        payment_gateway()


def test_without_stripe_the_card_api_says_so_and_the_pages_keep_the_card_form(user, user_client, client):
    response = user_client.get(reverse("api:payment-methods"))
    assert (response.status_code, response.json()["code"]) == (409, "stripe_not_configured")
    client.force_login(user)
    assert client.get(reverse("commerce:payment_methods")).status_code == 404
    order = order_for(user)
    page = client.get(order.get_absolute_url())
    assert 'name="card_number"' in page.content.decode()
    assert "js.stripe.com" not in page.headers["Content-Security-Policy"]
    assert "js.stripe.com" not in page.content.decode()


# --- Saved cards ----------------------------------------------------------------------------------


def test_saved_cards_list_add_default_and_remove(fake_stripe, user, user_client, other_user):
    assert user_client.get(reverse("api:payment-methods")).json() == []
    setup = user_client.post(reverse("api:payment-method-setup"))
    assert setup.status_code == 201
    assert setup.json()["client_secret"].startswith(setup.json()["id"] + "_secret_")
    assert setup.json()["publishable_key"] == "pk_test_tokshop"
    customer = PaymentCustomer.objects.get(user=user).reference

    first = browser_saves_card(fake_stripe, user, CARD_OK)
    body, header = signed(event("setup_intent.succeeded", {"id": first, "object": "setup_intent"}))
    assert deliver(Client(), body, header) == 200
    browser_saves_card(fake_stripe, user, "5555555555554444")
    cards = user_client.get(reverse("api:payment-methods")).json()
    assert [(c["last4"], c["is_default"]) for c in cards] == [("4242", True), ("4444", False)]
    # One Stripe customer per buyer, however many cards.
    assert PaymentCustomer.objects.get(user=user).reference == customer
    assert len(fake_stripe.objects("customer")) == 1

    second = cards[1]["id"]
    cards = user_client.post(reverse("api:payment-method-default", args=[second])).json()
    assert [(c["last4"], c["is_default"]) for c in cards] == [("4444", True), ("4242", False)]
    assert user_client.delete(reverse("api:payment-method", args=[cards[1]["id"]])).status_code == 204
    assert [c["last4"] for c in user_client.get(reverse("api:payment-methods")).json()] == ["4444"]

    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.delete(reverse("api:payment-method", args=[second])).status_code == 404
    assert stranger.post(reverse("api:payment-method-default", args=[second])).status_code == 404
    assert [c["last4"] for c in user_client.get(reverse("api:payment-methods")).json()] == ["4444"]


def test_card_endpoints_refuse_fields_they_do_not_take(fake_stripe, user_client):
    response = user_client.post(reverse("api:payment-method-setup"), {"amount_cents": 1}, format="json")
    assert response.status_code == 400
    assert "amount_cents" in response.json()["fields"]
    assert fake_stripe.objects("setup_intent") == []


def test_payment_methods_page_lists_cards_and_loads_stripe_js_only_from_stripe(fake_stripe, user, client):
    browser_saves_card(fake_stripe, user, CARD_OK)
    client.force_login(user)
    page = client.get(reverse("commerce:payment_methods") + "?add=1")
    html = page.content.decode()
    assert page.status_code == 200
    assert "•••• 4242" in html
    assert 'src="https://js.stripe.com/v3/"' in html
    assert 'data-client-secret="seti_' in html
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "frame-src https://js.stripe.com" in policy


# --- A PaymentIntent per order ------------------------------------------------------------------


def test_an_order_has_one_payment_intent_for_its_server_computed_total(fake_stripe, user, user_client):
    order = order_for(user, price_cents=2000)
    url = reverse("api:order-payment", args=[order.pk])
    first = user_client.post(url).json()
    again = user_client.post(url).json()
    assert first["id"] == again["id"]
    [intent] = fake_stripe.payment_intents()
    assert (intent.amount, intent.currency, intent.metadata) == (
        order.total_cents,
        "usd",
        {"tokshop_order_id": str(order.pk)},
    )
    order.refresh_from_db()
    assert order.payment_reference == first["id"]


def test_the_payment_api_refuses_an_amount_or_a_status(fake_stripe, user, user_client):
    order = order_for(user)
    for tampered in ({"amount": 1}, {"status": "paid"}, {"total_cents": 1}):
        response = user_client.post(reverse("api:order-payment", args=[order.pk]), tampered, format="json")
        assert response.status_code == 400
        assert list(response.json()["fields"]) == list(tampered)
    assert fake_stripe.payment_intents() == []
    order.refresh_from_db()
    assert (order.status, order.payment_reference) == (OrderStatus.PENDING_PAYMENT, "")


def test_card_numbers_are_refused_when_stripe_takes_payments(fake_stripe, user):
    order = order_for(user)
    with pytest.raises(Conflict) as refused:
        order_pay(buyer=user, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
    assert refused.value.code == "use_payment_form"
    assert fake_stripe.payment_intents() == []


def test_order_page_shows_the_payment_element_and_is_paid_on_return(
    fake_stripe, user, client, django_capture_on_commit_callbacks
):
    order = order_for(user)
    client.force_login(user)
    page = client.get(order.get_absolute_url())
    html = page.content.decode()
    assert 'name="card_number"' not in html
    assert "data-stripe-form" in html
    assert 'data-mode="payment"' in html
    assert "script-src 'self' https://js.stripe.com" in page.headers["Content-Security-Policy"]
    order.refresh_from_db()
    browser_pays(fake_stripe, order.payment_reference, CARD_OK)

    with django_capture_on_commit_callbacks(execute=True):
        back = client.get(order.get_absolute_url() + f"?payment_intent={order.payment_reference}")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert 'data-testid="order-status">Paid' in back.content.decode()
    assert receipts() == [f"Your Tokshop receipt for order {order.number}"]


# --- R4: webhook signatures ----------------------------------------------------------------------


def test_r4_only_a_correctly_signed_fresh_body_is_accepted(fake_stripe, user):
    order = order_for(user)
    order_payment_start(buyer=user, order_id=order.pk)
    order.refresh_from_db()
    payload = event("payment_intent.succeeded", {"id": order.payment_reference, "object": "payment_intent"})
    body, header = signed(payload)
    timestamp = int(header.split(",")[0][2:])
    v1 = header.split("v1=")[1]
    stale_body, stale_header = signed(payload, timestamp=int(time.time()) - 600)
    _, wrong_secret = signed(payload, secret="whsec_someone_else")
    client = Client()

    refused = {
        "tampered body": deliver(client, body.replace(b"payment_intent.succeeded", b"payment_intent.canceled"), header),
        "wrong secret": deliver(client, body, wrong_secret),
        "missing header": deliver(client, body, None),
        "stale timestamp": deliver(client, stale_body, stale_header),
        "re-serialized body": deliver(client, body.replace(b"\n", b"").replace(b"  ", b""), header),
        "v0 only": deliver(client, body, f"t={timestamp},v0={v1}"),
    }

    assert refused == dict.fromkeys(refused, 400)
    assert WebhookEvent.objects.count() == 0
    assert deliver(client, body, header) == 200
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == [payload["id"]]


# --- R5: one event delivered ten times ----------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_r5_one_event_delivered_ten_times_changes_the_order_once(fake_stripe):
    buyer = UserFactory()
    order = order_for(buyer)
    order_payment_start(buyer=buyer, order_id=order.pk)
    order.refresh_from_db()
    browser_pays(fake_stripe, order.payment_reference, CARD_OK)
    [succeeded] = stored_events(fake_stripe, "payment_intent.succeeded")
    body, header = signed(succeeded)
    statuses: list[int] = []
    lock = threading.Lock()

    for _ in range(5):
        statuses.append(deliver(Client(), body, header))

    barrier = threading.Barrier(5)

    def delivery() -> None:
        try:
            client = Client()
            barrier.wait()
            status = deliver(client, body, header)
            with lock:
                statuses.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=delivery) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 10
    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().processed_at is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert paid_events(order) == 1
    assert receipts() == [f"Your Tokshop receipt for order {order.number}"]


# --- R6: out of order, and failures replayed ------------------------------------------------------


def _order_through_a_payment_history(fake: FakeStripe, buyer: Any) -> tuple[Order, list[dict[str, Any]]]:
    """3-D Secure asked, then failed, then paid with another card, then 300 cents refunded at Stripe."""
    order = order_for(buyer)
    intent = order_payment_start(buyer=buyer, order_id=order.pk)
    client = browser(fake)
    browser_pays(fake, intent.id, CARD_3DS)
    requires_action = event("payment_intent.requires_action", payment_intent_snapshot(fake, intent.id))
    client.raw_request(
        "post", f"/v1/payment_intents/{intent.id}/_authenticate", client_secret=intent.client_secret, success="false"
    )
    failed = event("payment_intent.payment_failed", payment_intent_snapshot(fake, intent.id))
    browser_pays(fake, intent.id, CARD_OK)
    [succeeded] = [e for e in stored_events(fake, "payment_intent.succeeded") if e["data"]["object"]["id"] == intent.id]
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 300})
    refunded = event("charge.refunded", payment_intent_snapshot(fake, intent.id)["latest_charge"])
    return Order.objects.get(pk=order.pk), [requires_action, failed, succeeded, refunded]


def test_r6_every_delivery_order_ends_as_stripe_holds_the_payment(fake_stripe, django_capture_on_commit_callbacks):
    permutations = 0
    for order_of_delivery in itertools.permutations(range(4)):
        buyer = UserFactory()
        order, events = _order_through_a_payment_history(fake_stripe, buyer)
        with django_capture_on_commit_callbacks(execute=True):
            for index in order_of_delivery:
                body, header = signed(events[index])
                assert deliver(Client(), body, header) == 200
        order.refresh_from_db()
        state = payment_gateway().payment_state(payment_intent_id=order.payment_reference)
        assert (state.status, state.amount_refunded_cents) == ("succeeded", 300)
        assert (order.status, order.refunded_cents) == (OrderStatus.PARTIALLY_REFUNDED, 300), order_of_delivery
        assert paid_events(order) == 1
        assert list(OrderRefund.objects.filter(order=order).values_list("amount_cents", flat=True)) == [300]
        assert WebhookEvent.objects.unprocessed().count() == 0
        permutations += 1
    assert permutations == 24


def test_r6_a_failed_event_is_replayed_by_the_beat_job_until_processed_once(
    fake_stripe, settings, user, django_capture_on_commit_callbacks
):
    order = order_for(user)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    browser_pays(fake_stripe, intent.id, CARD_OK)
    [succeeded] = stored_events(fake_stripe, "payment_intent.succeeded")
    body, header = signed(succeeded)
    # Stripe's API is unreachable while the event arrives, and on the first replay.
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(Client(), body, header) == 200
    stored = WebhookEvent.objects.get()
    assert (stored.processed_at, stored.attempts) == (None, 1)
    assert "APIConnectionError" in stored.last_error
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert webhook_events_replay_task() == 0
    stored.refresh_from_db()
    assert (stored.processed_at, stored.attempts) == (None, 2)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT

    settings.STRIPE_API_BASE = fake_stripe.url
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_events_replay_task() == 1
        assert webhook_events_replay_task() == 0
        assert webhook_event_process(event_pk=stored.pk) is False

    stored.refresh_from_db()
    assert stored.processed_at is not None
    assert stored.attempts == 3
    assert stored.last_error == ""
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert paid_events(order) == 1
    assert len(receipts()) == 1


def test_the_replay_job_is_on_the_beat_schedule():
    from tokshop.celery import app

    assert app.conf.beat_schedule["commerce.webhook_events_replay"]["task"] == "commerce.webhook_events_replay"


def test_a_dispute_is_recorded_once_and_the_seller_told(fake_stripe, user, django_capture_on_commit_callbacks):
    order = order_for(user)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    browser_pays(fake_stripe, intent.id, CARD_OK)
    dispute = {"id": "dp_1", "object": "dispute", "amount": 2500, "reason": "fraudulent", "status": "needs_response"}
    body, header = signed(event("charge.dispute.created", {**dispute, "payment_intent": intent.id}))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(Client(), body, header) == 200
        assert deliver(Client(), body, header) == 200
    record = OrderDispute.objects.get()
    assert (record.order_id, record.amount_cents, record.reason) == (order.pk, 2500, "fraudulent")
    assert OrderEvent.objects.filter(order=order, note__startswith="Dispute opened").count() == 1
    assert order.seller.notifications.filter(title__endswith="is disputed").count() == 1


# --- R7: an off-session charge retried after a timeout ------------------------------------------------


def test_r7_a_charge_task_run_three_times_after_a_timeout_pays_once(
    fake_stripe, user, django_capture_on_commit_callbacks
):
    browser_saves_card(fake_stripe, user, CARD_OK)
    order = order_for(user)
    # Stripe does the charge but its answer is lost, as in a timeout.
    fake_stripe.drop_answers = 1

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(stripe.APIConnectionError):
            order_charge_saved_card_task.run(order.pk)
        assert order_charge_saved_card_task.run(order.pk) == "succeeded"
        assert order_charge_saved_card_task.run(order.pk) == "succeeded"

    charges = [pi for pi in fake_stripe.payment_intents() if pi.status == "succeeded"]
    assert len(charges) == 1
    assert len(fake_stripe.payment_intents()) == 1
    keys = [key for method, path, key in fake_stripe.requests if path == "/v1/payment_intents"]
    assert keys == [f"order-{order.pk}-off-session-{charges[0].payment_method}"] * 2
    order.refresh_from_db()
    assert (order.status, order.payment_reference) == (OrderStatus.PAID, charges[0].id)
    assert paid_events(order) == 1
    assert len(receipts()) == 1


def test_an_off_session_decline_keeps_the_order_waiting_with_the_reason(fake_stripe, user):
    order = order_for(user)
    with pytest.raises(Conflict) as refused:
        order_charge_saved_card(order_id=order.pk)
    assert refused.value.code == "no_saved_card"

    browser_saves_card(fake_stripe, user, CARD_CHARGE_DECLINED)
    outcome = order_charge_saved_card(order_id=order.pk)

    order.refresh_from_db()
    assert outcome.status == "declined"
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_failure
    assert paid_events(order) == 0


def test_the_webhook_endpoint_is_absent_without_stripe():
    body, header = signed(event("payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent"}))
    assert deliver(Client(), body, header) == 404
    assert not WebhookEvent.objects.exists()


def test_with_stripe_checkout_places_the_order_and_payment_follows_on_its_page(fake_stripe, user, client):
    product: Any = ProductFactory(seller=SellerProfileFactory().user, quantity_on_hand=2)
    cart_add(buyer=user, product_id=product.pk)
    client.force_login(user)
    assert 'name="card_number"' not in client.get(reverse("commerce:checkout")).content.decode()

    response = client.post(reverse("commerce:checkout"), ADDRESS)

    order = Order.objects.get(buyer=user)
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert fake_stripe.payment_intents() == []


def test_stripe_unreachable_is_a_503_for_the_api_and_a_message_on_the_page(fake_stripe, settings, user, client):
    order = order_for(user)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(reverse("api:order-payment", args=[order.pk]))
    assert (response.status_code, response.json()["code"]) == (503, "payments_unavailable")
    client.force_login(user)
    assert "Payments are unavailable" in client.get(order.get_absolute_url()).content.decode()


def test_payment_endpoints_are_in_the_openapi_schema(api_client):
    paths = api_client.get(reverse("schema"), {"format": "json"}).json()["paths"]
    for path, method in [
        ("/api/v1/payment-methods/", "get"),
        ("/api/v1/payment-methods/setup/", "post"),
        ("/api/v1/payment-methods/{payment_method_id}/default/", "post"),
        ("/api/v1/payment-methods/{payment_method_id}/", "delete"),
        ("/api/v1/orders/{order_id}/payment/", "post"),
        ("/api/v1/seller/orders/{order_id}/refund/", "post"),
        ("/webhooks/stripe/", "post"),
    ]:
        assert method in paths[path], path


def test_staff_see_the_inbox_and_process_a_stuck_event(fake_stripe, user, client):
    order = order_for(user)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    browser_pays(fake_stripe, intent.id, CARD_OK)
    [succeeded] = stored_events(fake_stripe, "payment_intent.succeeded")
    stuck = WebhookEvent.objects.create(event_id=succeeded["id"], type=succeeded["type"], payload=succeeded)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:commerce_webhookevent_changelist"))
    processed = client.post(
        reverse("admin:commerce_webhookevent_changelist"), {"action": "process_now", "_selected_action": [stuck.pk]}
    )

    assert succeeded["id"] in listing.content.decode()
    assert processed.status_code == 302
    stuck.refresh_from_db()
    assert stuck.processed_at is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_payment_the_order_cannot_honour_goes_back_once(fake_stripe, user, django_capture_on_commit_callbacks):
    order = order_for(user)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    order_cancel(buyer=user, order_id=order.pk)
    browser_pays(fake_stripe, intent.id, CARD_OK)
    [succeeded] = stored_events(fake_stripe, "payment_intent.succeeded")
    body, header = signed(succeeded)

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(Client(), body, header) == 200
        order_payment_sync(order_id=order.pk)

    [refund] = fake_stripe.objects("refund")
    assert (refund.amount, refund.payment_intent) == (order.total_cents, intent.id)
    order.refresh_from_db()
    assert (order.status, order.refunded_cents) == (OrderStatus.REFUNDED, order.total_cents)
    assert OrderRefund.objects.get(order=order).reason == "Paid after the order was cancelled"
    assert paid_events(order) == 0
    assert [m.subject for m in mail.outbox if m.subject.startswith("Refund on")] == [
        f"Refund on your Tokshop order {order.number}"
    ]


def test_a_payment_for_stock_sold_meanwhile_goes_back(fake_stripe, user, other_user):
    order = order_for(user)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    [line] = order.lines.all()
    StockReservation.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(minutes=1))
    reservations_expire()
    cart_add(buyer=other_user, product_id=line.product_id, quantity=5)
    checkout(buyer=other_user, shipping=ADDRESS)
    browser_pays(fake_stripe, intent.id, CARD_OK)

    order_payment_sync(order_id=order.pk)

    order.refresh_from_db()
    assert (order.status, order.refunded_cents) == (OrderStatus.REFUNDED, order.total_cents)
    assert OrderRefund.objects.get(order=order).reason == "Sold out before the payment arrived"
    assert StockReservation.objects.filter(order=order, status="active").count() == 0


def test_cancelling_an_order_cancels_its_payment_at_stripe(fake_stripe, user, django_capture_on_commit_callbacks):
    order = order_for(user)
    intent = order_payment_start(buyer=user, order_id=order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(buyer=user, order_id=order.pk)
    [payment] = fake_stripe.payment_intents()
    assert (payment.id, payment.status) == (intent.id, "canceled")
