from celery import shared_task

from .services import api_tokens_purge, verification_email_send_pending


@shared_task(name="users.api_tokens_purge")
def api_tokens_purge_task() -> int:
    return api_tokens_purge()


@shared_task(
    name="users.verification_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def verification_email_send_task(user_id: int) -> None:
    # SMTP outages surface as OSError; sending a second link after a retry is harmless.
    verification_email_send_pending(user_id=user_id)
