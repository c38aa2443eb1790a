from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tokshop.core"
    label = "core"
    verbose_name = "Tokshop core"
