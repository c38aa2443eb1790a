"""Development: the defaults of base, with uploaded media served by Django."""

from .base import *  # noqa: F403
from .base import PRIVATE_MEDIA_ROOT, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Static files straight from the app folders, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
