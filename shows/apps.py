from django.apps import AppConfig


class ShowsConfig(AppConfig):
    name = "shows"
    verbose_name = "Shows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers_video
        from .livekit import livekit_enabled

        # Half a LiveKit configuration stops the site when it starts, not at its first live show.
        livekit_enabled()
        receivers_video.connect()
        from moderation.reportables import reportable_register

        from .receivers import connect
        from .reportables import reportables

        connect()
        for reportable in reportables():
            reportable_register(reportable)
