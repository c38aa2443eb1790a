"""A giveaway's official rules page, generated from the giveaway itself, with its free entry form."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shows.selectors import is_following
from tokshop.core.errors import ApplicationError, PermissionDenied

from .models import EntryMethod, GiveawayEntryKind, GiveawayStatus
from .selectors_giveaways import giveaway_entries, giveaway_get_for_viewer, giveaway_has_entered, giveaway_recheck
from .services.giveaways import giveaway_enter


@require_http_methods(["GET", "POST"])
def giveaway_rules(request: HttpRequest, giveaway_id: int) -> HttpResponse:
    """The official rules; a signed-in person enters here without watching (POST: the free entry form)."""
    key = request.GET.get("key") or None
    try:
        giveaway = giveaway_get_for_viewer(user=request.user, giveaway_id=giveaway_id, key=key)
    except PermissionDenied as refusal:
        raise Http404(refusal.message) from refusal
    if giveaway is None:
        raise Http404("No such giveaway.")
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('users:login')}?next={request.path}")
        try:
            giveaway_enter(
                user=request.user,
                giveaway_id=giveaway.pk,
                method=EntryMethod.FREE_FORM,
                received_at=timezone.now(),
                key=key,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "You are entered. Good luck!")
        return redirect(request.get_full_path())
    entries = giveaway_entries(giveaway=giveaway) if giveaway.status == GiveawayStatus.DRAWN else []
    context = {
        "giveaway": giveaway,
        "show": giveaway.show,
        "shop": getattr(giveaway.seller, "seller_profile", None),
        "is_followers_only": giveaway.entry == GiveawayEntryKind.FOLLOWERS,
        "entries": entries,
        "winning_number": giveaway_recheck(giveaway=giveaway, entries=entries),
        "entered": giveaway_has_entered(giveaway=giveaway, user=request.user),
        "following": is_following(user=request.user, seller_id=giveaway.seller_id),
        "is_open": giveaway.is_running and timezone.now() < giveaway.ends_at,
    }
    return render(request, "auctions/giveaway_rules.html", context)
