"""What polls, questions and flash sales hear from other apps: stock changes (commerce), released
questions (moderation), and the end of a show (this app's own signal)."""

from typing import Any

from commerce.signals import stock_changed
from moderation.signals import held_message_released

from .services.flash_sales import flash_sale_end_for_show
from .services.pins import product_stock_changed
from .services.polls import poll_close_for_show
from .services.questions import question_from_held
from .signals import show_ended


def _stock_changed(*, product_id: int, **kwargs: Any) -> None:
    product_stock_changed(product_id=product_id)


def _held_message_released(*, held_message: Any, **kwargs: Any) -> None:
    question_from_held(held=held_message)


def _show_ended(*, show: Any, **kwargs: Any) -> None:
    # A poll or sale cannot outlive its show: nobody is left to vote or buy.
    poll_close_for_show(show_id=show.pk)
    flash_sale_end_for_show(show_id=show.pk)


def connect() -> None:
    stock_changed.connect(_stock_changed, dispatch_uid="shows-interact-stock-changed")
    held_message_released.connect(_held_message_released, dispatch_uid="shows-interact-question-released")
    show_ended.connect(_show_ended, dispatch_uid="shows-interact-show-ended")
