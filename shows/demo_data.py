"""Shows demo data for `manage.py seed_demo`, made through the real services: the demo seller live
now with a lineup, upcoming shows (one for followers only), a weekly show, one that ended, and the
demo buyer following the seller with a reminder set. Each step leaves what exists alone."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

from django.utils import timezone

from commerce.models import Category, Product
from tokshop.core.demo import DEMO_BUYER, DEMO_SELLER
from tokshop.core.errors import ApplicationError
from tokshop.users.models import User

from .demo_interact import ensure_room_interactions
from .models import Frequency, Show, ShowSchedule, ShowStatus, Visibility
from .services.chat import chat_post
from .services.follows import follow_create, reminder_create
from .services.lifecycle import show_end, show_go_live
from .services.schedules import schedule_create
from .services.shows import show_create

DEMO_LIVE_TITLE = "Friday film camera hour"
CLEO = "cleo@tokshop.demo"
DEMO_ENDED_TITLE = "Restoring a Polaroid SX-70, start to finish"
DEMO_SCHEDULE_TITLE = "Tuesday treasure hunt"


@dataclass(frozen=True)
class DemoShow:
    title: str
    description: str
    category: str
    tags: str
    starts_in: timedelta
    skus: list[str]
    visibility: str = Visibility.PUBLIC


DEMO_LIVE = DemoShow(
    DEMO_LIVE_TITLE,
    "Three cameras on the bench tonight: we load film, test the meters and answer your questions live.",
    "film-cameras",
    "cameras, film, 35mm",
    timedelta(minutes=1),
    ["VV-002", "VV-008", "VV-001"],
)
DEMO_UPCOMING = [
    DemoShow(
        "Vinyl Sunday: jazz and classic rock",
        "Needle drops from first pressings, with the grading explained as we go.",
        "vinyl",
        "vinyl, jazz, records",
        timedelta(days=2, hours=3),
        ["VV-003", "VV-004"],
    ),
    DemoShow(
        "Mid-century lamps and tables, up close",
        "For followers: a first look at the new furniture before it goes in the shop.",
        "furniture",
        "mid-century, teak, lighting",
        timedelta(days=5, hours=1),
        ["VV-006", "VV-005", "VV-007"],
        Visibility.FOLLOWERS,
    ),
    DemoShow(
        "Darkroom basics: ask me anything",
        "Questions about developing your first roll, and a few cameras to start with.",
        "film-cameras",
        "darkroom, film",
        timedelta(days=9),
        ["VV-008"],
    ),
]
DEMO_ENDED = DemoShow(
    DEMO_ENDED_TITLE,
    "The whole restoration, from the bellows to the first test shot.",
    "film-cameras",
    "polaroid, repair",
    timedelta(minutes=1),
    ["VV-001"],
)


def _seller() -> User:
    return User.objects.get(email=DEMO_SELLER)


def _make(seller: User, demo: DemoShow) -> Show:
    """The demo show by its title, made through the service when it does not exist yet."""
    existing = Show.objects.filter(seller=seller, title=demo.title).first()
    if existing is not None:
        return existing
    skus = {p.sku: p.pk for p in Product.objects.filter(seller=seller, sku__in=demo.skus)}
    return show_create(
        seller=seller,
        title=demo.title,
        description=demo.description,
        category_id=Category.objects.filter(slug=demo.category).values_list("pk", flat=True).first(),
        tags=demo.tags,
        scheduled_start=timezone.now() + demo.starts_in,
        visibility=demo.visibility,
        product_ids=[skus[sku] for sku in demo.skus if sku in skus],
    )


def demo_live_show() -> Show:
    """The demo seller's show on air (other parts of the room add their demo state to it)."""
    return Show.objects.get(seller=_seller(), title=DEMO_LIVE_TITLE)


def ensure_shows() -> None:
    seller = _seller()
    for demo in DEMO_UPCOMING:
        _make(seller, demo)
    ended = _make(seller, DEMO_ENDED)
    if ended.status == ShowStatus.SCHEDULED:
        show_go_live(actor=seller, show_id=ended.pk)
        show_end(actor=seller, show_id=ended.pk)
    live = _make(seller, DEMO_LIVE)
    if live.status == ShowStatus.SCHEDULED:
        show_go_live(actor=seller, show_id=live.pk)


def ensure_schedule() -> None:
    seller = _seller()
    if ShowSchedule.objects.filter(seller=seller, title=DEMO_SCHEDULE_TITLE).exists():
        return
    skus = dict(Product.objects.filter(seller=seller, sku__in=["VV-007", "VV-005"]).values_list("sku", "pk"))
    schedule_create(
        seller=seller,
        title=DEMO_SCHEDULE_TITLE,
        description="Every Tuesday evening: the week's new finds, first come first served.",
        tags="finds, weekly",
        frequency=Frequency.WEEKLY,
        weekdays=[1],
        time_of_day=time(19, 0),
        time_zone="Europe/London",
        starts_on=timezone.localdate(),
        product_ids=[skus[sku] for sku in ("VV-007", "VV-005") if sku in skus],
    )


def ensure_follow_and_reminder() -> None:
    seller = _seller()
    buyer = User.objects.get(email=DEMO_BUYER)
    follow_create(follower=buyer, seller_id=seller.pk)
    upcoming = Show.objects.get(seller=seller, title=DEMO_UPCOMING[0].title)
    if upcoming.status == ShowStatus.SCHEDULED:
        reminder_create(user=buyer, show_id=upcoming.pk)


# What the demo live show's audience has said so far: (viewer's e-mail, line). The host answers
# from the seller's account.
DEMO_CHAT = [
    (DEMO_BUYER, "Hi from Lisbon! First time catching one of these live."),
    (CLEO, "Is the Canon AE-1's light meter working?"),
    (DEMO_SELLER, "It is: I tested it against a handheld meter this morning, within a third of a stop."),
    (DEMO_BUYER, "Those leatherette covers look brand new"),
    (CLEO, "Saving up for the Polaroid, please don't sell it too fast"),
]


def ensure_room() -> None:
    """Chat history, a pinned product, a closed poll and questions in the demo live show."""
    show = demo_live_show()
    for n, (email, text) in enumerate(DEMO_CHAT):
        try:
            # The ref makes each line once, however often the demo is seeded.
            chat_post(sender=User.objects.get(email=email), show_id=show.pk, text=text, ref=f"demo-chat-{n}")
        except ApplicationError:
            # A demo account the moderation demo muted, say: the room goes on without its line.
            continue
    viewers = list(User.objects.filter(email__in=[DEMO_BUYER, CLEO]).order_by("email"))
    ensure_room_interactions(show=show, viewers=viewers)


def demo_steps() -> list[tuple[str, Callable[[], None]]]:
    return [
        ("shows, live and upcoming", ensure_shows),
        ("a weekly show", ensure_schedule),
        ("a follower with a reminder", ensure_follow_and_reminder),
        ("the live room's chat, poll and questions", ensure_room),
    ]
