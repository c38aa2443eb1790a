import stripe
from celery import shared_task

from tokshop.core.mail import MAIL_TASK_OPTIONS

from .services.imports import product_import_run, product_imports_resend
from .services.inventory import reservations_expire
from .services.orders import order_receipt_send
from .services.payments import order_charge_saved_card, order_payment_cancel
from .services.refunds import order_refund_send
from .services.webhooks import webhook_event_process, webhook_events_replay
from .services.wishlist import wishlist_back_in_stock_notify


@shared_task(name="commerce.reservations_expire")
def reservations_expire_task() -> int:
    return reservations_expire()


@shared_task(name="commerce.order_receipt_send", **MAIL_TASK_OPTIONS)
def order_receipt_send_task(order_id: int) -> None:
    order_receipt_send(order_id=order_id)


@shared_task(name="commerce.wishlist_back_in_stock_notify")
def wishlist_back_in_stock_notify_task(product_id: int) -> int:
    return wishlist_back_in_stock_notify(product_id=product_id)


# A file holds at most IMPORT_MAX_ROWS rows of a few milliseconds each; the default 60 s limit is
# for short jobs. A run cut short is resumed by the resend sweep from its last committed row.
@shared_task(name="commerce.product_import_run", soft_time_limit=300, time_limit=330)
def product_import_run_task(import_id: int) -> None:
    product_import_run(import_id=import_id)


@shared_task(name="commerce.product_imports_resend")
def product_imports_resend_task() -> int:
    return product_imports_resend()


@shared_task(name="commerce.order_refund_send", **MAIL_TASK_OPTIONS)
def order_refund_send_task(refund_id: int) -> None:
    order_refund_send(refund_id=refund_id)


@shared_task(name="commerce.webhook_event_process")
def webhook_event_process_task(event_pk: int) -> bool:
    return webhook_event_process(event_pk=event_pk)


@shared_task(name="commerce.webhook_events_replay")
def webhook_events_replay_task() -> int:
    return webhook_events_replay()


# Stripe unreachable: the charge is retried with the same idempotency key, so it happens once.
@shared_task(
    name="commerce.order_charge_saved_card",
    autoretry_for=(stripe.APIConnectionError, stripe.RateLimitError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def order_charge_saved_card_task(order_id: int) -> str:
    return order_charge_saved_card(order_id=order_id).status


@shared_task(
    name="commerce.order_payment_cancel",
    autoretry_for=(stripe.APIConnectionError, stripe.RateLimitError),
    retry_backoff=True,
    max_retries=8,
)
def order_payment_cancel_task(order_id: int) -> None:
    order_payment_cancel(order_id=order_id)
