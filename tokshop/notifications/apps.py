from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tokshop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
