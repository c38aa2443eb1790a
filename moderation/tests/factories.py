from datetime import timedelta

import factory
from django.utils import timezone

from tokshop.users.tests.factories import UserFactory


class TrustedUserFactory(UserFactory):
    """A sender past the new-account window, with no sanctions."""

    date_joined = factory.LazyFunction(lambda: timezone.now() - timedelta(days=60))


class SellerFactory(UserFactory):
    is_seller = True
