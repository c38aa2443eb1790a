from typing import Any

import factory
from django.utils import timezone

from tokshop.users.models import SellerProfile, User

PASSWORD = "correct-horse-battery"


def set_password(user: User, create: bool, extracted: Any, **kwargs: Any) -> None:
    user.set_password(extracted or PASSWORD)
    if create:
        user.save(update_fields=["password"])


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    email_verified_at = factory.LazyFunction(timezone.now)

    password = factory.PostGeneration(set_password)


class SellerProfileFactory(factory.django.DjangoModelFactory[SellerProfile]):
    class Meta:
        model = SellerProfile

    user = factory.SubFactory(UserFactory, is_seller=True)
    shop_name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
