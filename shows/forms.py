"""Forms of the shows pages: they parse what sellers type, and the services decide."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone

from commerce.forms import category_choices
from tokshop.core.errors import ApplicationError
from tokshop.users.forms import form_add_application_error

from .models import WEEKDAY_NAMES, Frequency, Show, ShowSchedule, Visibility
from .services.schedules import local_to_utc, zone_name

# The services' field names, as the forms call them.
FIELD_NAMES = {"category_id": "category", "product_ids": "products", "product_id": "product"}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def form_add_service_error(form: forms.Form, error: ApplicationError) -> None:
    form_add_application_error(form, error, FIELD_NAMES)


class TemplateFields(forms.Form):
    """What a show and a schedule both describe."""

    title = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), help_text="What viewers will see."
    )
    category = forms.TypedChoiceField(choices=(), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(required=False, max_length=300, help_text="Separated by commas, e.g. vinyl, jazz.")
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        help_text="Followers only: your followers find and enter it. Private: only people you give its link to.",
    )
    max_viewers = forms.IntegerField(required=False, min_value=1, help_text="Empty for no limit.")
    chat_enabled = forms.BooleanField(required=False, initial=True, label="Chat")
    questions_enabled = forms.BooleanField(required=False, initial=True, label="Questions (Q&A)")
    products = forms.TypedMultipleChoiceField(
        choices=(),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Lineup",
        help_text="Your products to show; put them in order after saving.",
    )
    # The browser's time zone, filled in by shows.js: times are typed in the seller's own.
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-time-zone": ""}))

    def __init__(self, *args: Any, products: Sequence[Any] = (), with_lineup: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices("No category")  # type: ignore[attr-defined]
        if with_lineup:
            self.fields["products"].choices = [(p.pk, p.title) for p in products]  # type: ignore[attr-defined]
        else:
            del self.fields["products"]

    def zone(self) -> str:
        return zone_name(self.cleaned_data.get("time_zone") or "")

    def template_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "category_id": data["category"],
            "tags": data["tags"],
            "visibility": data["visibility"],
            "max_viewers": data["max_viewers"],
            "chat_enabled": data["chat_enabled"],
            "questions_enabled": data["questions_enabled"],
        }


class ShowForm(TemplateFields):
    scheduled_start = forms.DateTimeField(
        label="Starts at",
        input_formats=[LOCAL_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
        help_text="In your time zone.",
    )
    thumbnail = forms.ImageField(required=False, help_text="A JPEG, PNG or WebP under 5 MB.")
    thumbnail_clear = forms.BooleanField(required=False, label="Remove the thumbnail")
    field_order = ["title", "scheduled_start", "description", "thumbnail"]

    def start_utc(self) -> datetime:
        value: datetime = self.cleaned_data["scheduled_start"]
        # Django made the naive input aware in the server's zone; the seller meant their own.
        return local_to_utc(timezone.make_naive(value) if timezone.is_aware(value) else value, self.zone())

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = {**self.template_kwargs(), "scheduled_start": self.start_utc()}
        if self.cleaned_data.get("thumbnail"):
            kwargs["thumbnail"] = self.cleaned_data["thumbnail"]
        return kwargs


def show_initial(show: Show) -> dict[str, Any]:
    """The form's values for a show; the start in UTC, which the page's script puts in the seller's zone."""
    return {
        "title": show.title,
        "description": show.description,
        "category": show.category_id,
        "tags": ", ".join(show.tag_list),
        "visibility": show.visibility,
        "max_viewers": show.max_viewers,
        "chat_enabled": show.chat_enabled,
        "questions_enabled": show.questions_enabled,
        "scheduled_start": show.scheduled_start.astimezone(UTC).replace(tzinfo=None),
        "time_zone": "UTC",
    }


class ScheduleForm(TemplateFields):
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.WEEKLY, label="Repeats")
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="On",
    )
    time_of_day = forms.TimeField(label="At", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    starts_on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    schedule_time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="Shows start at this time in this zone, summer and winter alike.",
        widget=forms.TextInput(attrs={"data-time-zone-default": "", "autocomplete": "off"}),
    )
    field_order = ["title", "frequency", "weekdays", "time_of_day", "schedule_time_zone", "starts_on", "ends_on"]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **self.template_kwargs(),
            "frequency": data["frequency"],
            "weekdays": data["weekdays"],
            "time_of_day": data["time_of_day"],
            "time_zone": data["schedule_time_zone"].strip(),
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
        }


def schedule_initial(schedule: ShowSchedule) -> dict[str, Any]:
    return {
        "title": schedule.title,
        "description": schedule.description,
        "category": schedule.category_id,
        "tags": ", ".join(t for t in schedule.tags.split(",") if t),
        "visibility": schedule.visibility,
        "max_viewers": schedule.max_viewers,
        "chat_enabled": schedule.chat_enabled,
        "questions_enabled": schedule.questions_enabled,
        "frequency": schedule.frequency,
        "weekdays": schedule.weekday_list,
        "time_of_day": schedule.time_of_day,
        "schedule_time_zone": schedule.time_zone,
        "starts_on": schedule.starts_on,
        "ends_on": schedule.ends_on,
        "products": list(schedule.lineup.values_list("product_id", flat=True)),
    }


class LineupAddForm(forms.Form):
    product = forms.TypedChoiceField(choices=(), coerce=int, label="Add a product")

    def __init__(self, *args: Any, products: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, p.title) for p in products]  # type: ignore[attr-defined]


class ModeratorForm(forms.Form):
    email = forms.EmailField(label="Moderator's e-mail", help_text="Their Tokshop account's address.")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search shows")
    when = forms.ChoiceField(
        required=False,
        choices=[("", "Live and upcoming"), ("live", "Live now"), ("upcoming", "Upcoming"), ("ended", "Ended")],
        label="When",
    )
    category = forms.ChoiceField(required=False, choices=(), label="Category")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from commerce.selectors import category_list

        self.fields["category"].choices = [("", "All categories")] + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in category_list()
        ]
