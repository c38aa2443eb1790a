from django.apps import AppConfig


class ShowsConfig(AppConfig):
    name = "shows"
    verbose_name = "Shows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .receivers_follows import connect

        connect()
