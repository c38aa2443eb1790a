"""Thin Celery entry points of the shows app."""

from celery import shared_task

from .services.flash_sales import flash_sale_end_due, flash_sales_end_due
from .services.polls import poll_close_due, polls_close_due


@shared_task(name="shows.poll_close_due")
def poll_close_due_task(poll_id: int) -> bool:
    return poll_close_due(poll_id=poll_id)


@shared_task(name="shows.polls_close_due")
def polls_close_due_task() -> int:
    return polls_close_due()


@shared_task(name="shows.flash_sale_end_due")
def flash_sale_end_due_task(sale_id: int) -> bool:
    return flash_sale_end_due(sale_id=sale_id)


@shared_task(name="shows.flash_sales_end_due")
def flash_sales_end_due_task() -> int:
    return flash_sales_end_due()
