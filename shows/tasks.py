from celery import shared_task

from .services.stats import show_stats_save_on_air


@shared_task(name="shows.stats_save_on_air")
def show_stats_save_on_air_task() -> int:
    return show_stats_save_on_air()
