from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "tokshop.users"
    label = "users"
    verbose_name = "Users"
