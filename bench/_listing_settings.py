"""The benchmark settings (`tokshop.settings.test`) with the bare baseline view added to the URLs."""

from tokshop.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench._listing_site"
