from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from commerce.forms import form_add_service_error
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest

from .forms import ReportForm
from .reportables import reportable_find
from .selectors import report_get_for_reporter
from .services.reports import report_create


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
            form_add_service_error(form, error)
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
