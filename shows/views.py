"""The public pages of shows: what is live and coming, search, a seller's shows, the show page (the
live room once it is on air), following sellers and reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tokshop.core.errors import ApplicationError, NotFound, PermissionDenied
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.models import User

from .forms import SearchForm
from .models import ShowStatus
from .selectors import (
    follower_count,
    following_list,
    has_reminder,
    is_following,
    reminder_list,
    show_get,
    show_lineup,
    show_list_for_seller_public,
    show_list_live,
    show_list_upcoming,
    show_search,
)
from .selectors_room import room_enter
from .services.follows import follow_create, follow_delete, reminder_create, reminder_delete

LIST_SIZE = 24


def show_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    if form.is_bound and form.is_valid() and any(form.cleaned_data.values()):
        data = form.cleaned_data
        shows = show_search(
            user=request.user, query=data["q"], when=data["when"] or None, category=data["category"] or None
        )
        page = Paginator(shows, LIST_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {"form": form, "page_obj": page, "query": query.urlencode(), "searching": True}
        return render(request, "shows/list.html", context)
    context = {
        "form": form if form.is_bound else SearchForm(),
        "live": list(show_list_live(user=request.user)[:LIST_SIZE]),
        "upcoming": list(show_list_upcoming(user=request.user)[:LIST_SIZE]),
        "searching": False,
    }
    return render(request, "shows/list.html", context)


def seller_show_list(request: HttpRequest, seller_id: int) -> HttpResponse:
    seller = User.objects.filter(pk=seller_id, is_seller=True, is_active=True).select_related("seller_profile").first()
    if seller is None:
        raise Http404("No such seller.")
    context = {
        "seller": seller,
        "shop": getattr(seller, "seller_profile", None),
        "shows": show_list_for_seller_public(user=request.user, seller_id=seller.pk),
        "following": is_following(user=request.user, seller_id=seller.pk),
        "followers": follower_count(seller_id=seller.pk),
    }
    return render(request, "shows/seller_list.html", context)


def room(request: HttpRequest, show_id: int) -> HttpResponse:
    """A show's page: its details and lineup before it starts, the live room while it is on air and
    after it ends, and why not when the visitor may not watch it."""
    key = request.GET.get("key") or None
    try:
        show, viewer = room_enter(user=request.user, show_id=show_id, key=key)
    except NotFound as error:
        raise Http404(error.message) from error
    except PermissionDenied as refusal:
        show = show_get(show_id=show_id)
        context = {
            "show": show,
            "refusal": refusal,
            "following": is_following(user=request.user, seller_id=show.seller_id),
        }
        return render(request, "shows/refused.html", context, status=403)
    context = {
        "show": show,
        "viewer": viewer,
        "key": key or "",
        "lineup": show_lineup(show=show),
        "following": is_following(user=request.user, seller_id=show.seller_id),
        "reminded": has_reminder(user=request.user, show_id=show.pk),
        "shop": getattr(show.seller, "seller_profile", None),
    }
    if show.status in (ShowStatus.SCHEDULED, ShowStatus.CANCELLED):
        return render(request, "shows/detail.html", context)
    return render(request, "shows/room.html", context)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def follow_toggle(request: AuthenticatedHttpRequest, seller_id: int) -> HttpResponse:
    try:
        if request.POST.get("follow") == "0":
            follow_delete(follower=request.user, seller_id=seller_id)
            messages.success(request, "You no longer follow this seller.")
        else:
            follow_create(follower=request.user, seller_id=seller_id)
            messages.success(request, "You follow this seller: you hear when they schedule a show and go live.")
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    return _back(request, reverse("shows:seller", kwargs={"seller_id": seller_id}))


@login_required
@require_POST
def remind_toggle(request: AuthenticatedHttpRequest, show_id: int) -> HttpResponse:
    try:
        if request.POST.get("remind") == "0":
            reminder_delete(user=request.user, show_id=show_id)
            messages.success(request, "No reminder for this show.")
        else:
            reminder_create(user=request.user, show_id=show_id, key=request.POST.get("key") or None)
            messages.success(request, "We'll tell you when it goes live.")
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    return _back(request, reverse("shows:room", kwargs={"show_id": show_id}))


@login_required
def following(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"follows": following_list(user=request.user), "reminders": reminder_list(user=request.user)}
    return render(request, "shows/following.html", context)
