from celery import shared_task

from .services import notification_email_send


@shared_task(
    name="notifications.email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def notification_email_send_task(notification_id: int) -> bool:
    # SMTP outages surface as OSError; the service is idempotent, so a retry never sends twice.
    return notification_email_send(notification_id=notification_id)
