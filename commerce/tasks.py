from celery import shared_task

from .services import reservations_expire


@shared_task(name="commerce.reservations_expire")
def reservations_expire_task() -> int:
    return reservations_expire()
