"""The seller's pages for their shows: the list, scheduling and editing one, its lineup and
moderators, cancelling and restarting it, recurring schedules, and the go-live console."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commerce.models import Product
from commerce.views import seller_required
from moderation.selectors import seller_moderator_list
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest

from .forms import (
    LineupAddForm,
    ModeratorForm,
    ScheduleForm,
    ShowForm,
    form_add_service_error,
    schedule_initial,
    show_initial,
)
from .models import Show, ShowSchedule
from .selectors import (
    schedule_get_own,
    schedule_list_for_seller,
    schedule_next_shows,
    show_get_own,
    show_lineup,
    show_list_for_seller_by_status,
)
from .selectors_room import room_enter
from .services import lifecycle
from .services.schedules import schedule_create, schedule_stop, schedule_update
from .services.shows import (
    lineup_add,
    lineup_move,
    lineup_remove,
    show_create,
    show_moderator_add,
    show_moderator_remove,
    show_update,
)


def _own_show(request: AuthenticatedHttpRequest, show_id: int) -> Show:
    try:
        return show_get_own(seller=request.user, show_id=show_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _own_schedule(request: AuthenticatedHttpRequest, schedule_id: int) -> ShowSchedule:
    try:
        return schedule_get_own(seller=request.user, schedule_id=schedule_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _products(request: AuthenticatedHttpRequest) -> list[Product]:
    return list(Product.objects.active().filter(seller=request.user).order_by("title", "id"))


def _private_link(request: AuthenticatedHttpRequest, show: Show) -> str:
    return request.build_absolute_uri(f"{show.get_absolute_url()}?key={show.private_token}")


@seller_required
def seller_shows(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "shows": show_list_for_seller_by_status(seller=request.user),
        "schedules": schedule_list_for_seller(seller=request.user),
    }
    return render(request, "shows/seller_shows.html", context)


@seller_required
def seller_show_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    products = _products(request)
    form = ShowForm(request.POST or None, request.FILES or None, products=products)
    if form.is_bound and form.is_valid():
        try:
            show = show_create(seller=request.user, product_ids=form.cleaned_data["products"], **form.service_kwargs())
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"“{show.title}” is scheduled. Your followers are told.")
            return redirect("shows:seller_show_edit", show_id=show.pk)
    return render(request, "shows/seller_show_form.html", {"form": form, "show": None, "has_products": bool(products)})


def _edit_context(request: AuthenticatedHttpRequest, show: Show, form: ShowForm, **forms: Any) -> dict[str, Any]:
    if not form.is_bound:
        # The start is rendered in UTC; shows.js shows it in the seller's own time zone and says which.
        form.fields["scheduled_start"].widget.attrs["data-utc"] = show.scheduled_start.isoformat()
    lineup = show_lineup(show=show)
    in_lineup = {item.product_id for item in lineup}
    addable = [p for p in _products(request) if p.pk not in in_lineup]
    return {
        "form": form,
        "show": show,
        "lineup": lineup,
        "lineup_form": forms.get("lineup_form") or LineupAddForm(products=addable),
        "can_add": bool(addable),
        "moderator_form": forms.get("moderator_form") or ModeratorForm(),
        "moderators": seller_moderator_list(seller=request.user, show_id=show.pk),
        "private_link": _private_link(request, show),
        "editable": show.status in ("scheduled", "live", "paused"),
    }


@seller_required
def seller_show_edit(request: AuthenticatedHttpRequest, show_id: int) -> HttpResponse:
    show = _own_show(request, show_id)
    if request.method == "POST":
        form = ShowForm(request.POST, request.FILES, with_lineup=False)
        if form.is_valid():
            try:
                show_update(
                    seller=request.user,
                    show_id=show.pk,
                    thumbnail_clear=form.cleaned_data["thumbnail_clear"],
                    **form.service_kwargs(),
                )
            except ApplicationError as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, "Your show is saved.")
                return redirect("shows:seller_show_edit", show_id=show.pk)
        return render(request, "shows/seller_show_form.html", _edit_context(request, show, form), status=400)
    form = ShowForm(initial=show_initial(show), with_lineup=False)
    return render(request, "shows/seller_show_form.html", _edit_context(request, show, form))


def _lineup_action(request: AuthenticatedHttpRequest, show_id: int, action: Any, **kwargs: Any) -> HttpResponse:
    try:
        action(seller=request.user, show_id=show_id, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        # A lineup change has one field; its own message says more than the form's generic one.
        reasons = [message for messages_ in error.fields.values() for message in messages_]
        messages.error(request, reasons[0] if reasons else error.message)
    return redirect(reverse("shows:seller_show_edit", kwargs={"show_id": show_id}) + "#lineup")


@seller_required
@require_POST
def seller_lineup_add(request: AuthenticatedHttpRequest, show_id: int) -> HttpResponse:
    _own_show(request, show_id)
    form = LineupAddForm(request.POST, products=_products(request))
    if not form.is_valid():
        messages.error(request, "Choose one of your products that are for sale.")
        return redirect(reverse("shows:seller_show_edit", kwargs={"show_id": show_id}) + "#lineup")
    return _lineup_action(request, show_id, lineup_add, product_id=form.cleaned_data["product"])


@seller_required
@require_POST
def seller_lineup_remove(request: AuthenticatedHttpRequest, show_id: int, item_id: int) -> HttpResponse:
    return _lineup_action(request, show_id, lineup_remove, item_id=item_id)


@seller_required
@require_POST
def seller_lineup_move(request: AuthenticatedHttpRequest, show_id: int, item_id: int) -> HttpResponse:
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _lineup_action(request, show_id, lineup_move, item_id=item_id, offset=offset)


@seller_required
@require_POST
def seller_show_moderator_add(request: AuthenticatedHttpRequest, show_id: int) -> HttpResponse:
    show = _own_show(request, show_id)
    form = ModeratorForm(request.POST)
    if form.is_valid():
        try:
            show_moderator_add(seller=request.user, show_id=show.pk, email=form.cleaned_data["email"])
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "They moderate this show now; they are told.")
            return redirect(reverse("shows:seller_show_edit", kwargs={"show_id": show.pk}) + "#moderators")
    form_view = ShowForm(initial=show_initial(show), with_lineup=False)
    return render(
        request, "shows/seller_show_form.html", _edit_context(request, show, form_view, moderator_form=form), status=400
    )


@seller_required
@require_POST
def seller_show_moderator_remove(request: AuthenticatedHttpRequest, show_id: int, user_id: int) -> HttpResponse:
    try:
        show_moderator_remove(seller=request.user, show_id=show_id, moderator_id=user_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, "They no longer moderate this show.")
    return redirect(reverse("shows:seller_show_edit", kwargs={"show_id": show_id}) + "#moderators")


# The host's buttons, each one lifecycle service.
STATUS_ACTIONS = {
    "go_live": (lifecycle.show_go_live, "You are live."),
    "pause": (lifecycle.show_pause, "The show is paused."),
    "resume": (lifecycle.show_resume, "You are back on air."),
    "end": (lifecycle.show_end, "The show has ended. You can go live again within two hours."),
    "cancel": (lifecycle.show_cancel, "The show is cancelled."),
    "restart": (lifecycle.show_restart, "You are live again."),
}


@seller_required
@require_POST
def seller_show_status(request: AuthenticatedHttpRequest, show_id: int) -> HttpResponse:
    show = _own_show(request, show_id)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Unknown action.")
    else:
        service, done = action
        try:
            service(actor=request.user, show_id=show.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
    target = request.POST.get("next") == "console"
    return redirect("shows:console" if target else "shows:seller_show_edit", show_id=show.pk)


@seller_required
def console(request: AuthenticatedHttpRequest, show_id: int) -> HttpResponse:
    show = _own_show(request, show_id)
    show, viewer = room_enter(user=request.user, show_id=show.pk)
    context = {
        "show": show,
        "viewer": viewer,
        "lineup": show_lineup(show=show),
        "private_link": _private_link(request, show),
    }
    return render(request, "shows/console.html", context)


# --- Recurring schedules ---------------------------------------------------------------------


@seller_required
def seller_schedule_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    products = _products(request)
    form = ScheduleForm(request.POST or None, products=products)
    if form.is_bound and form.is_valid():
        try:
            schedule = schedule_create(
                seller=request.user, product_ids=form.cleaned_data["products"], **form.service_kwargs()
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            made = schedule.shows.count()
            messages.success(
                request, f"“{schedule.title}” repeats now: {made} show{'s' if made != 1 else ''} scheduled."
            )
            return redirect("shows:seller_schedule_edit", schedule_id=schedule.pk)
    return render(request, "shows/seller_schedule_form.html", {"form": form, "schedule": None})


@seller_required
def seller_schedule_edit(request: AuthenticatedHttpRequest, schedule_id: int) -> HttpResponse:
    schedule = _own_schedule(request, schedule_id)
    products = _products(request)
    form = ScheduleForm(request.POST or None, products=products, initial=schedule_initial(schedule))
    if form.is_bound and form.is_valid():
        try:
            schedule_update(
                seller=request.user,
                schedule_id=schedule.pk,
                product_ids=form.cleaned_data["products"],
                **form.service_kwargs(),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "The schedule is saved; its upcoming shows follow it.")
            return redirect("shows:seller_schedule_edit", schedule_id=schedule.pk)
    context = {"form": form, "schedule": schedule, "next_shows": schedule_next_shows(schedule=schedule)}
    return render(request, "shows/seller_schedule_form.html", context, status=400 if form.is_bound else 200)


@seller_required
@require_POST
def seller_schedule_stop(request: AuthenticatedHttpRequest, schedule_id: int) -> HttpResponse:
    try:
        schedule = schedule_stop(seller=request.user, schedule_id=schedule_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, f"“{schedule.title}” is stopped; its upcoming shows are cancelled.")
    return redirect("shows:seller_shows")
