"""Recurring shows: a seller's schedules, and the job that turns their occurrences into shows ahead
of time, once each."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from django.db import IntegrityError, transaction
from django.utils import timezone

from commerce.models import ProductStatus
from commerce.services.catalog import tags_normalize
from tokshop.core.errors import INVALID_FIELDS, ApplicationError, NotFound, PermissionDenied

from ..models import Frequency, LineupItem, ScheduleLineupItem, Show, ShowSchedule, ShowStatus, Visibility
from ..signals import schedule_created
from .shows import category_get, lineup_products, template_clean

if TYPE_CHECKING:
    from tokshop.users.models import User

# How far ahead occurrences become shows: far enough for viewers to find them and set reminders,
# near enough that a changed schedule rewrites few shows.
HORIZON = timedelta(days=14)
# The fields every show of a schedule copies.
TEMPLATE_FIELDS = (
    "title",
    "description",
    "category_id",
    "tags",
    "visibility",
    "max_viewers",
    "chat_enabled",
    "questions_enabled",
)
EDITABLE_FIELDS = frozenset(
    {*TEMPLATE_FIELDS, "frequency", "weekdays", "time_of_day", "time_zone", "starts_on", "ends_on"}
)


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _weekdays_normalize(weekdays: str | list[int]) -> str:
    days = weekdays if isinstance(weekdays, list) else [int(c) for c in weekdays if c.isdigit()]
    if any(not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        raise ApplicationError(INVALID_FIELDS, fields={"weekdays": ["Days are 0 (Monday) to 6 (Sunday)."]})
    return "".join(str(day) for day in sorted(set(days)))


def _schedule_clean(schedule: ShowSchedule, *, today: date | None = None) -> None:
    fields: dict[str, list[str]] = {}
    if schedule.time_zone not in time_zones():
        fields["time_zone"] = ["Choose a time zone such as Europe/Paris or America/New_York."]
    if schedule.frequency == Frequency.WEEKLY and not schedule.weekdays:
        fields["weekdays"] = ["Choose at least one day of the week."]
    if schedule.frequency == Frequency.DAILY:
        schedule.weekdays = ""
    if schedule.ends_on is not None and schedule.ends_on < schedule.starts_on:
        fields["ends_on"] = ["The last day comes on or after the first."]
    if today is not None and schedule.ends_on is not None and schedule.ends_on < today:
        fields["ends_on"] = ["The last day is in the past."]
    if fields:
        raise ApplicationError(INVALID_FIELDS, fields=fields)
    template_clean(schedule, exclude=["stopped_at"])


@transaction.atomic
def schedule_create(
    *,
    seller: User,
    title: str,
    time_of_day: time,
    time_zone: str,
    starts_on: date,
    frequency: str = Frequency.WEEKLY,
    weekdays: str | list[int] = "",
    ends_on: date | None = None,
    description: str = "",
    category_id: int | None = None,
    tags: str | list[str] = "",
    visibility: str = Visibility.PUBLIC,
    max_viewers: int | None = None,
    chat_enabled: bool = True,
    questions_enabled: bool = True,
    product_ids: list[int] | None = None,
) -> ShowSchedule:
    """Set up a recurring show; its next two weeks of shows are made at once, and followers are told."""
    if not seller.is_seller:
        raise PermissionDenied("Open a shop before you schedule shows.", code="not_seller")
    schedule = ShowSchedule(
        seller=seller,
        title=title,
        description=description,
        category=category_get(category_id),
        tags=tags_normalize(tags),
        visibility=visibility,
        max_viewers=max_viewers,
        chat_enabled=chat_enabled,
        questions_enabled=questions_enabled,
        frequency=frequency,
        weekdays=_weekdays_normalize(weekdays),
        time_of_day=time_of_day,
        time_zone=time_zone,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _schedule_clean(schedule, today=timezone.localdate())
    products = lineup_products(seller=seller, product_ids=product_ids or [])
    schedule.save()
    ScheduleLineupItem.objects.bulk_create(
        ScheduleLineupItem(schedule=schedule, product=product, position=index) for index, product in enumerate(products)
    )
    schedule_expand(schedule_id=schedule.pk)
    transaction.on_commit(lambda: schedule_created.send(sender=ShowSchedule, schedule=schedule))
    return schedule


def _own_schedule_lock(*, seller: User, schedule_id: int) -> ShowSchedule:
    schedule = ShowSchedule.objects.select_for_update().filter(pk=schedule_id, seller=seller).first()
    if schedule is None:
        raise NotFound("No such schedule.")
    return schedule


def _future_shows(schedule: ShowSchedule) -> list[Show]:
    return list(
        Show.objects.select_for_update()
        .filter(schedule=schedule, status=ShowStatus.SCHEDULED, scheduled_start__gt=timezone.now())
        .order_by("scheduled_start")
    )


def _cancel(show: Show) -> None:
    from .lifecycle import show_cancel

    show_cancel(actor=show.seller, show_id=show.pk)


@transaction.atomic
def schedule_update(
    *, seller: User, schedule_id: int, product_ids: list[int] | None = None, **changes: Any
) -> ShowSchedule:
    """Change a running schedule. Its upcoming shows follow: those still on the new pattern take the
    new template (their own lineups stay), the others are cancelled, and missing ones are made."""
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError(
            INVALID_FIELDS, fields={name: ["This field cannot be changed here."] for name in refused}
        )
    schedule = _own_schedule_lock(seller=seller, schedule_id=schedule_id)
    if not schedule.is_running:
        raise ApplicationError("This schedule was stopped: set up a new one.", code="schedule_stopped", status=409)
    if "category_id" in changes:
        schedule.category = category_get(changes.pop("category_id"))
    if "weekdays" in changes:
        changes["weekdays"] = _weekdays_normalize(changes["weekdays"])
    for name, value in changes.items():
        setattr(schedule, name, value)
    _schedule_clean(schedule)
    products = lineup_products(seller=seller, product_ids=product_ids) if product_ids is not None else None
    schedule.save()
    if products is not None:
        ScheduleLineupItem.objects.filter(schedule=schedule).delete()
        ScheduleLineupItem.objects.bulk_create(
            ScheduleLineupItem(schedule=schedule, product=product, position=index)
            for index, product in enumerate(products)
        )
    now = timezone.now()
    keep = set(schedule.occurrences(after=now, until=now + HORIZON))
    for show in _future_shows(schedule):
        if show.scheduled_start in keep:
            for name in TEMPLATE_FIELDS:
                setattr(show, name, getattr(schedule, name))
            show.save()
        else:
            _cancel(show)
    schedule_expand(schedule_id=schedule.pk)
    return schedule


@transaction.atomic
def schedule_stop(*, seller: User, schedule_id: int) -> ShowSchedule:
    """Stop a schedule: no more shows are made from it and its upcoming ones are cancelled (a show
    already on air goes on). Stopping it again changes nothing."""
    schedule = _own_schedule_lock(seller=seller, schedule_id=schedule_id)
    if not schedule.is_running:
        return schedule
    schedule.stopped_at = timezone.now()
    schedule.save(update_fields=["stopped_at", "updated_at"])
    for show in _future_shows(schedule):
        _cancel(show)
    return schedule


@transaction.atomic
def schedule_expand(*, schedule_id: int, now: datetime | None = None) -> list[Show]:
    """Make the shows of the schedule's occurrences in the next HORIZON that do not exist yet, each
    with the schedule's template and default lineup. Safe to run any number of times, at once too:
    the schedule's row lock and the unique (schedule, start) make each occurrence one show."""
    schedule = ShowSchedule.objects.select_for_update().filter(pk=schedule_id).first()
    if schedule is None or not schedule.is_running:
        return []
    now = now or timezone.now()
    starts = schedule.occurrences(after=now, until=now + HORIZON)
    existing = set(
        Show.objects.filter(schedule=schedule, scheduled_start__in=starts).values_list("scheduled_start", flat=True)
    )
    lineup = list(schedule.lineup.filter(product__status=ProductStatus.ACTIVE).values_list("product_id", flat=True))
    made = []
    for start in starts:
        if start in existing:
            continue
        show = Show(
            seller_id=schedule.seller_id,
            schedule=schedule,
            scheduled_start=start,
            **{name: getattr(schedule, name) for name in TEMPLATE_FIELDS},
        )
        try:
            with transaction.atomic():
                show.save()
        except IntegrityError:
            continue
        LineupItem.objects.bulk_create(
            LineupItem(show=show, product_id=product_id, position=index) for index, product_id in enumerate(lineup)
        )
        made.append(show)
    return made


def schedules_expand() -> int:
    """Expand every running schedule (the beat job); returns how many shows were made."""
    today = timezone.localdate()
    ids = ShowSchedule.objects.running().exclude(ends_on__lt=today).values_list("pk", flat=True)
    return sum(len(schedule_expand(schedule_id=pk)) for pk in ids)


def zone_name(value: str) -> str:
    """A time zone name the browser sent, or UTC when it is not one Python knows."""
    return value if value in time_zones() else "UTC"


def local_to_utc(value: datetime, zone: str) -> datetime:
    """A wall-clock time the seller typed, in their time zone, as an aware UTC time."""
    return value.replace(tzinfo=ZoneInfo(zone_name(zone))).astimezone(ZoneInfo("UTC"))
