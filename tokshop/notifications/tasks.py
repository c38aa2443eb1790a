from celery import shared_task

from tokshop.core.mail import MAIL_TASK_OPTIONS

from .services import notification_email_send


@shared_task(name="notifications.email_send", **MAIL_TASK_OPTIONS)
def notification_email_send_task(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)
