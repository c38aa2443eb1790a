import factory

from shows.tests.factories import LineupItemFactory, ShowFactory

from ..models import Auction


class AuctionFactory(factory.django.DjangoModelFactory[Auction]):
    """A waiting auction on a lineup product of a live show (open it through the services)."""

    class Meta:
        model = Auction

    show = factory.SubFactory(ShowFactory, live=True)
    product = factory.LazyAttribute(lambda a: LineupItemFactory(show=a.show).product)
    seller = factory.LazyAttribute(lambda a: a.show.seller)
