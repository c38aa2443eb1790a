from celery import shared_task

from tokshop.core.mail import MAIL_TASK_OPTIONS

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
