from celery import shared_task

from tokshop.core.mail import MAIL_TASK_OPTIONS

from .services.imports import product_import_run, product_imports_resend
from .services.inventory import reservations_expire
from .services.orders import order_receipt_send
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
