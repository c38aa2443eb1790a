"""The auction pages: a show's auctions with their bids, a buyer's auctions, a seller's increments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commerce.views import seller_required
from shows.selectors_room import room_enter
from tokshop.core.errors import ApplicationError, NotFound, PermissionDenied
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.forms import form_add_application_error

from .forms import IncrementTableForm
from .selectors import auction_history_for_show, auction_rows_for_bidder, increments_for_seller
from .services.auctions import increments_set


def show_auctions(request: HttpRequest, show_id: int) -> HttpResponse:
    """Whoever may watch the show may read its auctions (a private show's link key included)."""
    try:
        show, _viewer = room_enter(user=request.user, show_id=show_id, key=request.GET.get("key") or None)
    except NotFound as error:
        raise Http404(error.message) from error
    except PermissionDenied as refusal:
        raise Forbidden(refusal.message) from refusal
    context = {"show": show, "auctions": auction_history_for_show(show_id=show.pk)}
    return render(request, "auctions/show_auctions.html", context)


@login_required
def account_auctions(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"rows": auction_rows_for_bidder(user_id=request.user.pk)}
    return render(request, "auctions/account_auctions.html", context)


@seller_required
def seller_increments(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = IncrementTableForm(data, table=increments_for_seller(seller_id=request.user.pk))
    if form.is_bound and form.is_valid():
        try:
            increments_set(seller=request.user, table=form.cleaned_data["table"])
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, "Saved: your next auctions use these increments.")
            return redirect("auctions:seller_increments")
    return render(request, "auctions/seller_increments.html", {"form": form})
