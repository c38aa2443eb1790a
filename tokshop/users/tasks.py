from celery import shared_task

from tokshop.core.mail import MAIL_TASK_OPTIONS

from .services import api_tokens_purge, verification_email_send_pending
from .services_links import account_signals_purge


@shared_task(name="users.api_tokens_purge")
def api_tokens_purge_task() -> int:
    return api_tokens_purge()


@shared_task(name="users.account_signals_purge")
def account_signals_purge_task() -> int:
    return account_signals_purge()


@shared_task(name="users.verification_email_send", **MAIL_TASK_OPTIONS)
def verification_email_send_task(user_id: int) -> None:
    verification_email_send_pending(user_id=user_id)
