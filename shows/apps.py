from django.apps import AppConfig


class ShowsConfig(AppConfig):
    name = "shows"
    verbose_name = "Shows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from moderation.reportables import reportable_register

        from .receivers import connect
        from .reportables import reportables

        connect()
        for reportable in reportables():
            reportable_register(reportable)
