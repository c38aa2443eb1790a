from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.forms import form_add_application_error

from .forms import AppealForm
from .models import Sanction
from .selectors import appeal_list_for_user, moderation_notice_list, sanction_list_for_user
from .services.appeals import appeal_create
from .services.sanctions import sanction_imposed_by, sanction_where

NOTICES_SHOWN = 20


@dataclass(frozen=True)
class StandingRow:
    """One of the person's sanctions as the page tells it: never which moderator imposed it."""

    sanction: Sanction
    where: str
    imposed_by: str
    form: AppealForm


@login_required
def standing(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Your standing: sanctions in force and past (where, why, until when), notices and appeals."""
    failed: AppealForm | None = None
    if request.method == "POST":
        form = AppealForm(request.POST)
        if form.is_valid():
            try:
                _appeal, created = appeal_create(
                    user=request.user, sanction_id=form.cleaned_data["sanction_id"], text=form.cleaned_data["text"]
                )
            except NotFound:
                raise Http404("No such sanction.") from None
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                if created:
                    messages.success(request, "Your appeal is sent. A moderator will decide and let you know.")
                else:
                    messages.info(request, "You already appealed this; your first appeal stands.")
                return redirect("moderation:standing")
        failed = form
    now = timezone.now()
    rows = [
        StandingRow(
            sanction=sanction,
            where=sanction_where(sanction),
            imposed_by=sanction_imposed_by(sanction),
            form=failed
            if failed is not None and failed.data.get("sanction_id") == str(sanction.pk)
            else AppealForm(initial={"sanction_id": sanction.pk}, auto_id=f"appeal-{sanction.pk}-%s"),
        )
        for sanction in sanction_list_for_user(user=request.user)
    ]
    context = {
        "in_force": [row for row in rows if row.sanction.is_in_force(now)],
        "past": [row for row in rows if not row.sanction.is_in_force(now)],
        "notices": moderation_notice_list(user=request.user)[:NOTICES_SHOWN],
        "appeals": appeal_list_for_user(user=request.user),
    }
    return render(request, "moderation/standing.html", context, status=400 if failed is not None else 200)
