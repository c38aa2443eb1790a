import factory

from shows.tests.factories import LineupItemFactory, ShowFactory

from .. import rules
from ..engine import Loaded, RedisEngine, engine
from ..models import Auction


class AuctionFactory(factory.django.DjangoModelFactory[Auction]):
    """A waiting auction on a lineup product of a live show (open it through the services)."""

    class Meta:
        model = Auction

    show = factory.SubFactory(ShowFactory, live=True)
    product = factory.LazyAttribute(lambda a: LineupItemFactory(show=a.show).product)
    seller = factory.LazyAttribute(lambda a: a.show.seller)


def engine_auction_made(auction_id: int, auction_rules: rules.Rules) -> RedisEngine:
    """An auction straight in the Redis engine, waiting to open, with no row behind it (tests of
    the engine alone pick ids no row has)."""
    redis_engine = engine()
    assert isinstance(redis_engine, RedisEngine)
    made = Loaded(
        rules=auction_rules,
        status=rules.SCHEDULED,
        price=0,
        leader=0,
        count=0,
        ends_at=0,
        hard_stop=0,
        extensions=0,
        maxes={},
    )
    assert redis_engine.load(auction_id, made)
    return redis_engine
