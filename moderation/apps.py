from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_moderators_group(**kwargs: Any) -> None:
    from .services.moderators import moderators_group_sync

    moderators_group_sync()


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After every app's migrate (permissions are created per app), so the group is complete.
        post_migrate.connect(_sync_moderators_group, dispatch_uid="moderation.sync_moderators_group")
        from .reportables import reportable_kinds_builtin, reportable_register

        for reportable in reportable_kinds_builtin():
            reportable_register(reportable)
