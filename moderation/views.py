"""The report page, the seller's verification page, the seller's moderation page (their moderators,
mute words, patterns, slow mode and the sanctions in their shows) and the moderators' page (the
sellers they moderate for, and the sanctions there)."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from commerce.views import seller_required
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.forms import form_add_application_error
from tokshop.users.models import User
from tokshop.users.selectors import seller_profile_get

from .forms import (
    AppealDecisionForm,
    AppealForm,
    ModeratorAppointForm,
    MuteWordForm,
    PatternForm,
    ReportForm,
    SanctionForm,
    SlowModeForm,
    VerificationForm,
)
from .models import Sanction, SanctionKind, SanctionScope
from .reportables import reportable_find
from .selectors import (
    RECENT_SANCTIONS_DAYS,
    appeal_list_for_moderator,
    appeal_list_for_user,
    can_moderate,
    held_message_list_for_moderator,
    moderation_notice_list,
    mute_word_list_for_seller,
    pattern_list_for_seller,
    report_get_for_reporter,
    sanction_list_for_seller,
    sanction_list_for_user,
    seller_list_moderated_by,
    seller_moderator_list,
    slow_mode_default_for_seller,
    verification_request_latest,
)
from .services.appeals import appeal_create, appeal_decide
from .services.held import held_message_release, held_message_remove
from .services.moderators import seller_moderator_appoint_by_email, seller_moderator_remove
from .services.reports import report_create
from .services.rules import mute_word_add, mute_word_remove, pattern_add, pattern_remove, slow_mode_set
from .services.sanctions import sanction_impose, sanction_imposed_by, sanction_lift, sanction_until, sanction_where
from .services.verification import verification_request_submit

SELLER_FORMS: dict[str, type[forms.Form]] = {
    "moderator": ModeratorAppointForm,
    "word": MuteWordForm,
    "pattern": PatternForm,
    "slow_mode": SlowModeForm,
    "sanction": SanctionForm,
}


# Held messages and appeals shown per seller on the moderators' page; the API pages through the rest.
QUEUE_PAGE = 50


def _sanction_impose(actor: User, seller: User, form: SanctionForm) -> Sanction:
    return sanction_impose(actor=actor, seller=seller, scope=SanctionScope.SELLER, **form.sanction())


def _sanction_done(sanction: Sanction) -> str:
    verb = "banned" if sanction.kind == SanctionKind.BAN else "muted"
    return f"{sanction.user.display_name} is {verb} in these shows {sanction_until(sanction)}; they are told why."


def _seller_form_save(seller: User, name: str, form: forms.Form) -> str:
    """Do what one of the seller page's forms asks; answer with the sentence the seller is told."""
    data = form.cleaned_data
    match name:
        case "moderator":
            entry = seller_moderator_appoint_by_email(seller=seller, email=data["email"])
            return f"{entry.moderator.display_name} moderates your shows now; they are told."
        case "word":
            word = mute_word_add(seller=seller, word=data["word"])
            return f"“{word.word}” is muted in your shows."
        case "pattern":
            pattern_add(seller=seller, **data)
            return "Your pattern is saved."
        case "slow_mode":
            slow_mode_set(seller=seller, seconds=data["seconds"])
            return "Slow mode is saved for your shows."
    assert isinstance(form, SanctionForm)
    return _sanction_done(_sanction_impose(seller, seller, form))


@seller_required
def seller_moderation(request: AuthenticatedHttpRequest) -> HttpResponse:
    seller = request.user
    posted = request.POST.get("form") if request.method == "POST" else None
    slow_mode_seconds = slow_mode_default_for_seller(seller=seller)
    bound = {
        name: form_class(
            request.POST if name == posted else None,
            prefix=name,
            initial={"seconds": slow_mode_seconds} if name == "slow_mode" else None,
        )
        for name, form_class in SELLER_FORMS.items()
    }
    form = bound.get(posted or "")
    if posted and form is not None and form.is_valid():
        try:
            done = _seller_form_save(seller, posted, form)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("moderation:seller") + f"#{posted}")
    context = {
        **{f"{name}_form": form for name, form in bound.items()},
        "moderators": seller_moderator_list(seller=seller),
        "words": mute_word_list_for_seller(seller=seller),
        "patterns": pattern_list_for_seller(seller=seller),
        "sanctions": sanction_list_for_seller(seller_id=seller.pk, now=timezone.now()),
        "slow_mode_seconds": slow_mode_seconds,
        "recent_days": RECENT_SANCTIONS_DAYS,
    }
    return render(request, "moderation/seller_moderation.html", context, status=400 if posted else 200)


def _seller_remove(
    request: AuthenticatedHttpRequest, remove: Callable[[], None], done: str, anchor: str
) -> HttpResponse:
    try:
        remove()
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, done)
    return redirect(reverse("moderation:seller") + f"#{anchor}")


@seller_required
@require_POST
def seller_moderator_remove_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    return _seller_remove(
        request,
        lambda: seller_moderator_remove(seller=request.user, moderator_id=user_id),
        "The moderator is removed from your shows; they are told.",
        "moderator",
    )


@seller_required
@require_POST
def seller_word_remove_view(request: AuthenticatedHttpRequest, word_id: int) -> HttpResponse:
    return _seller_remove(
        request, lambda: mute_word_remove(seller=request.user, word_id=word_id), "The word is unmuted.", "word"
    )


@seller_required
@require_POST
def seller_pattern_remove_view(request: AuthenticatedHttpRequest, pattern_id: int) -> HttpResponse:
    return _seller_remove(
        request,
        lambda: pattern_remove(seller=request.user, pattern_id=pattern_id),
        "The pattern is removed.",
        "pattern",
    )


def _moderating_page(
    request: AuthenticatedHttpRequest, *, failed: tuple[int, SanctionForm] | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    actor = request.user
    sections = [
        {
            "seller": seller,
            "anchor": f"seller-{seller.pk}",
            "held": held_message_list_for_moderator(actor=actor).filter(seller_id=seller.pk)[:QUEUE_PAGE],
            "appeals": appeal_list_for_moderator(actor=actor, pending_only=True).filter(sanction__seller_id=seller.pk)[
                :QUEUE_PAGE
            ],
            "sanctions": sanction_list_for_seller(seller_id=seller.pk, now=now),
            "form": failed[1] if failed and failed[0] == seller.pk else SanctionForm(prefix=f"seller-{seller.pk}"),
        }
        for seller in seller_list_moderated_by(actor=actor)
    ]
    context = {"sections": sections, "recent_days": RECENT_SANCTIONS_DAYS}
    return render(request, "moderation/moderating.html", context, status=status)


@login_required
def moderating(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _moderating_page(request)


@login_required
@require_POST
def moderating_sanction_impose(request: AuthenticatedHttpRequest, seller_id: int) -> HttpResponse:
    seller = User.objects.filter(pk=seller_id, is_active=True).first()
    if seller is None or not can_moderate(actor=request.user, seller_id=seller_id):
        # The same answer for a seller that does not exist and one the actor does not moderate.
        raise DjangoPermissionDenied("You don't moderate in this seller's shows.")
    form = SanctionForm(request.POST, prefix=f"seller-{seller_id}")
    if form.is_valid():
        try:
            sanction = _sanction_impose(request.user, seller, form)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, _sanction_done(sanction))
            return redirect(reverse("moderation:moderating") + f"#seller-{seller_id}")
    return _moderating_page(request, failed=(seller_id, form), status=400)


def _moderator_act(request: AuthenticatedHttpRequest, act: Callable[[], str]) -> HttpResponse:
    """Run one moderator's action from the moderators' or the seller's page, tell the outcome, and
    go back to the page (and section) it came from: 404 for what does not exist, 403 outside the
    shows the actor moderates, any other refusal shown as a message."""
    try:
        messages.success(request, act())
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        if error.status == 403:
            raise DjangoPermissionDenied(error.message) from error
        messages.error(request, error.message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("moderation:moderating")
    return redirect(back)


@login_required
@require_POST
def sanction_lift_view(request: AuthenticatedHttpRequest, sanction_id: int) -> HttpResponse:
    def lift() -> str:
        sanction = sanction_lift(actor=request.user, sanction_id=sanction_id)
        verb = "unbanned" if sanction.kind == SanctionKind.BAN else "unmuted"
        return f"{sanction.user.display_name} is {verb}; they are told."

    return _moderator_act(request, lift)


@login_required
@require_POST
def held_message_release_view(request: AuthenticatedHttpRequest, held_id: int) -> HttpResponse:
    def release() -> str:
        held = held_message_release(actor=request.user, held_id=held_id)
        return f"{held.sender.display_name}'s message is shown in the chat; they are told."

    return _moderator_act(request, release)


@login_required
@require_POST
def held_message_remove_view(request: AuthenticatedHttpRequest, held_id: int) -> HttpResponse:
    def remove() -> str:
        held = held_message_remove(actor=request.user, held_id=held_id, reason=request.POST.get("reason", ""))
        return f"{held.sender.display_name}'s message stays hidden; they are told why."

    return _moderator_act(request, remove)


@login_required
@require_POST
def appeal_decide_view(request: AuthenticatedHttpRequest, appeal_id: int) -> HttpResponse:
    form = AppealDecisionForm(request.POST)

    def decide() -> str:
        if not form.is_valid():
            raise ApplicationError("Grant or deny the appeal; a note is at most 500 characters.")
        grant = form.cleaned_data["decision"] == "grant"
        appeal = appeal_decide(actor=request.user, appeal_id=appeal_id, grant=grant, note=form.cleaned_data["note"])
        outcome = "granted: the sanction is lifted" if grant else "denied: the sanction stays"
        return f"{appeal.user.display_name}'s appeal is {outcome}; they are told."

    return _moderator_act(request, decide)


@login_required
def report_page(request: AuthenticatedHttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Report a person, a product, a message or a show: a plain form, so it works without JavaScript."""
    try:
        reportable, target = reportable_find(reporter=request.user, kind=kind, object_id=object_id)
    except NotFound as error:
        raise Http404(error.message) from error
    back = reportable.url(target) or "/"
    form = ReportForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            _report, created = report_create(reporter=request.user, kind=kind, object_id=object_id, **form.cleaned_data)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            if created:
                messages.success(
                    request, "Thank you: moderators will look at your report, and we'll tell you what they decide."
                )
            else:
                messages.info(request, "You already reported this; moderators will tell you what they decide.")
            return redirect(back)
    context = {
        "form": form,
        "reportable": reportable,
        "name": reportable.name(target),
        "back": back,
        "existing": report_get_for_reporter(reporter=request.user, target=target),
        "is_own": getattr(reportable.author(target), "pk", None) == request.user.pk,
    }
    return render(request, "moderation/report.html", context)


@seller_required
def seller_verification(request: AuthenticatedHttpRequest) -> HttpResponse:
    shop = seller_profile_get(user=request.user)
    form = VerificationForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        try:
            verification_request_submit(seller=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, "Your request is sent. We'll let you know when the Tokshop team has decided.")
            return redirect("moderation:seller_verification")
    context = {"form": form, "shop": shop, "latest": verification_request_latest(seller=request.user)}
    return render(request, "moderation/seller_verification.html", context)


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
