from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics and operations"

    def ready(self) -> None:
        from . import worker  # noqa: F401  (connects the Celery worker's heartbeat and task counters)
