"""Recurring shows: a seller's schedule (daily, or on chosen weekdays, at a local time) from which
shows are made ahead of time with the schedule's template and default lineup."""

from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from .shows import Visibility


class Frequency(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Every week, on chosen days"


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ShowScheduleQuerySet(models.QuerySet["ShowSchedule"]):
    def running(self) -> "ShowScheduleQuerySet":
        return self.filter(stopped_at__isnull=True)


class ShowSchedule(models.Model):
    """A show that recurs: at `time_of_day` in `time_zone`, every day or on `weekdays`, from `starts_on`
    until `ends_on` (or until stopped). Each occurrence becomes a Show a while before it starts."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="show_schedules")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=5000)
    category = models.ForeignKey(
        "commerce.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="show_schedules"
    )
    tags = models.CharField(max_length=300, blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    max_viewers = models.PositiveIntegerField(null=True, blank=True)
    chat_enabled = models.BooleanField(default=True)
    questions_enabled = models.BooleanField(default=True)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekdays = models.CharField(
        max_length=7, blank=True, help_text="Days of a weekly schedule, as digits: 0 is Monday, 6 is Sunday."
    )
    time_of_day = models.TimeField()
    time_zone = models.CharField(max_length=64, default="UTC")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The last day; empty for no end.")
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Followers hear of a new schedule once, however often the task that tells them runs.
    followers_told_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ShowScheduleQuerySet] = ShowScheduleQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="schedule_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(frequency="weekly") | ~models.Q(weekdays=""), name="schedule_weekly_has_days"
            ),
            models.CheckConstraint(
                condition=models.Q(max_viewers__isnull=True) | models.Q(max_viewers__gt=0),
                name="schedule_max_viewers_positive",
            ),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"], name="schedule_seller_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None

    @property
    def weekday_list(self) -> list[int]:
        return sorted({int(day) for day in self.weekdays if day.isdigit() and int(day) < 7})

    @property
    def weekday_names(self) -> list[str]:
        return [WEEKDAY_NAMES[day] for day in self.weekday_list]

    def occurs_on(self, day: date) -> bool:
        if day < self.starts_on or (self.ends_on is not None and day > self.ends_on):
            return False
        return self.frequency == Frequency.DAILY or day.weekday() in self.weekday_list

    def start_on(self, day: date) -> datetime:
        """The occurrence on `day`, in UTC. A local time skipped by a clock change (02:30 on the night
        clocks go forward) lands just after the change; one that happens twice, on its first pass."""
        local = datetime.combine(day, self.time_of_day, tzinfo=ZoneInfo(self.time_zone))
        return local.astimezone(UTC)

    def occurrences(self, *, after: datetime, until: datetime) -> list[datetime]:
        """The starts, in UTC, strictly after `after` and no later than `until`."""
        zone = ZoneInfo(self.time_zone)
        day = after.astimezone(zone).date() - timedelta(days=1)
        last = until.astimezone(zone).date() + timedelta(days=1)
        starts = []
        while day <= last:
            if self.occurs_on(day):
                start = self.start_on(day)
                if after < start <= until:
                    starts.append(start)
            day += timedelta(days=1)
        return starts


class ScheduleLineupItem(models.Model):
    """A product every show of the schedule starts its lineup with, in this order."""

    schedule = models.ForeignKey(ShowSchedule, on_delete=models.CASCADE, related_name="lineup")
    product = models.ForeignKey("commerce.Product", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "product"], name="schedule_lineup_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} #{self.position}: {self.product_id}"
