from celery import shared_task

from .services.sanctions import abuse_warning_record, abuse_warnings_record, sanctions_expire


@shared_task(name="moderation.abuse_warning_record")
def abuse_warning_record_task(user_id: int, code: str, seller_id: int | None, show_id: int | None) -> int | None:
    warning = abuse_warning_record(user_id=user_id, code=code, seller_id=seller_id, show_id=show_id)
    return warning.pk if warning is not None else None


@shared_task(name="moderation.sanctions_expire")
def sanctions_expire_task() -> int:
    return sanctions_expire()


@shared_task(name="moderation.abuse_warnings_record")
def abuse_warnings_record_task() -> int:
    return abuse_warnings_record()
