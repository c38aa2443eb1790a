from django.conf import settings
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme


class NotificationKind(models.TextChoices):
    ACCOUNT = "account", "Account news"
    SECURITY = "security", "Security alerts"
    ANNOUNCEMENT = "announcement", "Tokshop announcements"
    ORDERS = "orders", "Orders"
    INVENTORY = "inventory", "Low stock alerts"
    SAVED = "saved", "Saved items back in stock"
    MODERATION = "moderation", "Moderation decisions"
    SHOWS = "shows", "Shows of sellers you follow"


# Kinds whose e-mail a user cannot turn off: they protect the account.
ALWAYS_EMAILED = frozenset({NotificationKind.SECURITY})
EMAIL_DEFAULTS = {
    NotificationKind.ACCOUNT: True,
    NotificationKind.SECURITY: True,
    NotificationKind.ANNOUNCEMENT: False,
    NotificationKind.ORDERS: True,
    NotificationKind.INVENTORY: True,
    NotificationKind.SAVED: True,
    NotificationKind.MODERATION: True,
    NotificationKind.SHOWS: True,
}


# The largest id a BigAutoField holds; anything above cannot name a notification.
MAX_ID = 2**63 - 1


def is_site_path(url: str) -> bool:
    """A path on this site: no scheme or host, and nothing a browser would strip or rewrite into one
    (backslashes, spaces and control characters: "/\t/evil.example" is read as "//evil.example")."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and all(" " < char != "\x7f" and char != "\\" for char in url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a user should know, shown in the app and, by their preference, e-mailed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    title = models.CharField(max_length=160)
    body = models.TextField(blank=True, max_length=2000)
    url = models.CharField(max_length=500, blank=True, help_text="Where the notification leads, on this site.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_created_idx"),
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_user_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a user wants one kind of notification by e-mail too (in the app they always see it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_user_kind_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'in app only'}"
