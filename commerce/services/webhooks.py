"""The Stripe webhook inbox: verify, store once, process exactly once, replay what failed."""

import json
import logging
from datetime import timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from tokshop.core.errors import ApplicationError

from ..models import Order, OrderDispute, OrderEvent, WebhookEvent
from ..templatetags.commerce_tags import money
from .orders import _order_notify
from .payments import card_setup_succeeded, order_payment_sync

logger = logging.getLogger(__name__)

# Events Tokshop acts on; any other type is stored and marked processed, so the inbox stays short.
PAYMENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "charge.refunded",
}
# A just-received event is processed by its own task; the replay leaves it that long before
# stepping in, so the two rarely meet (and skip each other's locked row when they do).
REPLAY_GRACE = timedelta(seconds=60)
REPLAY_BATCH = 100


def webhook_event_receive(*, payload: bytes, signature: str) -> WebhookEvent:
    """Verify a delivery's signature and store its event once; processing follows after commit.

    A bad or missing signature, a stale timestamp or a body that is not the one signed raises a
    400 and stores nothing. The same event delivered again finds its stored row.
    """
    from ..tasks import webhook_event_process_task

    try:
        event = stripe.Webhook.construct_event(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise ApplicationError("The webhook signature does not match its body.", code="bad_signature") from error
    with transaction.atomic():
        # Concurrent deliveries of one event: one insert wins, the others do nothing.
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(event_id=event.id, type=event.type, payload=json.loads(payload))], ignore_conflicts=True
        )
        stored = WebhookEvent.objects.get(event_id=event.id)
        if stored.processed_at is None:
            transaction.on_commit(lambda: webhook_event_process_task.delay(stored.pk), robust=True)
    return stored


def webhook_event_process(*, event_pk: int) -> bool:
    """Process one stored event unless it is processed already or being processed; True when done now.

    The row is locked for the whole of it, so two workers never process one event. A failure
    (Stripe unreachable, a database error) rolls its work back, is counted on the row and left
    for the replay job.
    """
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_pk).unprocessed().first()
        if event is None:
            return False
        event.attempts += 1
        try:
            with transaction.atomic():
                _dispatch(event.type, event.payload["data"]["object"])
        except (stripe.StripeError, ApplicationError, DatabaseError) as error:
            logger.warning("Stripe event %s failed (attempt %s): %s", event.event_id, event.attempts, error)
            event.last_error = f"{type(error).__name__}: {error}"[:500]
            event.save(update_fields=["attempts", "last_error"])
            return False
        event.processed_at = timezone.now()
        event.last_error = ""
        event.save(update_fields=["attempts", "last_error", "processed_at"])
        return True


def webhook_events_replay() -> int:
    """Process stored events still unprocessed after the grace period, oldest first; how many succeeded."""
    pending = WebhookEvent.objects.unprocessed().filter(received_at__lt=timezone.now() - REPLAY_GRACE)
    return sum(webhook_event_process(event_pk=pk) for pk in pending.values_list("pk", flat=True)[:REPLAY_BATCH])


def _order_for_payment_intent(payment_intent: Any) -> Order | None:
    payment_intent_id = payment_intent if isinstance(payment_intent, str) else (payment_intent or {}).get("id")
    if not payment_intent_id:
        return None
    return Order.objects.filter(payment_reference=payment_intent_id).first()


def _dispatch(event_type: str, obj: dict[str, Any]) -> None:
    # The event's copy of the object may be older than another event already processed: state is
    # always read back from Stripe (order_payment_sync), so delivery order does not matter.
    if event_type in PAYMENT_EVENTS:
        order = _order_for_payment_intent(
            obj["id"] if event_type.startswith("payment_intent.") else obj.get("payment_intent")
        )
        if order is not None:
            order_payment_sync(order_id=order.pk)
    elif event_type == "charge.dispute.created":
        order = _order_for_payment_intent(obj.get("payment_intent"))
        if order is not None:
            order_dispute_record(order_id=order.pk, dispute=obj)
    elif event_type == "setup_intent.succeeded":
        card_setup_succeeded(setup_intent_id=obj["id"])


@transaction.atomic
def order_dispute_record(*, order_id: int, dispute: dict[str, Any]) -> OrderDispute:
    """Record a chargeback on the order, once per dispute; the seller is told."""
    order = Order.objects.select_for_update().select_related("seller").get(pk=order_id)
    record, created = OrderDispute.objects.get_or_create(
        reference=str(dispute["id"]),
        defaults={
            "order": order,
            "amount_cents": int(dispute.get("amount") or 0),
            "reason": str(dispute.get("reason") or "")[:60],
            "status": str(dispute.get("status") or "")[:40],
        },
    )
    if created:
        OrderEvent.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            note=f"Dispute opened by the buyer's bank for {money(record.amount_cents, order.currency)}"
            + (f" ({record.reason})" if record.reason else ""),
        )
        _order_notify(
            order,
            user=order.seller,
            title=f"Order {order.number} is disputed",
            body="The buyer's bank opened a chargeback; answer it from your Stripe dashboard.",
            url=reverse("commerce:seller_order", kwargs={"order_id": order.pk}),
        )
    return record
