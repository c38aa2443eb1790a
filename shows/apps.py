from django.apps import AppConfig


class ShowsConfig(AppConfig):
    name = "shows"
    verbose_name = "Shows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from moderation.reportables import reportable_register

        from . import receivers, receivers_follows, receivers_interact, receivers_video
        from .livekit import livekit_enabled
        from .reportables import reportables

        # Half a LiveKit configuration stops the site when it starts, not at its first live show.
        livekit_enabled()
        receivers.connect()
        receivers_video.connect()
        receivers_interact.connect()
        receivers_follows.connect()
        for reportable in reportables():
            reportable_register(reportable)
