from datetime import timedelta

import factory
from django.utils import timezone

from commerce.tests.factories import ProductFactory
from tokshop.users.tests.factories import SellerProfileFactory

from ..models import Follow, LineupItem, Show, ShowStatus


class ShowFactory(factory.django.DjangoModelFactory[Show]):
    class Meta:
        model = Show

    seller = factory.LazyFunction(lambda: SellerProfileFactory().user)
    title = factory.Sequence(lambda n: f"Show {n}")
    scheduled_start = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))

    class Params:
        live = factory.Trait(status=ShowStatus.LIVE, started_at=factory.LazyFunction(timezone.now))


class LineupItemFactory(factory.django.DjangoModelFactory[LineupItem]):
    class Meta:
        model = LineupItem

    show = factory.SubFactory(ShowFactory)
    product = factory.LazyAttribute(lambda item: ProductFactory(seller=item.show.seller))
    position = factory.Sequence(lambda n: n)


class FollowFactory(factory.django.DjangoModelFactory[Follow]):
    class Meta:
        model = Follow
