"""Tests: always the real PostgreSQL and Redis (defaults are this machine's local services)."""

import os

# The maintenance database always exists: pytest creates its own test database from it, and
# `makemigrations --check` reads an (empty) migration history there instead of waiting for one.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
# Pub/sub channels ignore the Redis database number: test runs sharing one Redis (each on its own
# test database) keep their live events apart by prefix, or one run's toasts land in another's pages.
os.environ.setdefault("REDIS_KEY_PREFIX", "tokshop-test-" + os.environ.get("TEST_DATABASE_NAME", "default"))

from .base import *  # noqa: F403
from .base import DATABASES, env

SITE_URL = env("SITE_URL", default="http://testserver")

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Argon2 is what production hashes with (checked by the deploy test); tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A server process started by an end-to-end test writes its mail where the test can read it.
if os.environ.get("TEST_MAILBOX_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_MAILBOX_DIR"]
# Tasks run inline unless a test starts a real worker (a server process it starts is told so here).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# A worker a test starts consumes a queue of its own, and the tasks it sends itself (an auction's
# clock set again) must land there too.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="default")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PRIVATE_MEDIA_ROOT = "/tmp/tokshop-test-private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = "/tmp/tokshop-test-media"
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_tokshop")}
# Tests close auctions themselves, at the moment they choose; a server process a test starts is
# given a clock of its own ("thread").
AUCTION_CLOCK = env("AUCTION_CLOCK", default="manual")
