from celery import shared_task

from .services import api_tokens_purge


@shared_task(name="users.api_tokens_purge")
def api_tokens_purge_task() -> int:
    return api_tokens_purge()
