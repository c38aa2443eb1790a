from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from commerce.views import seller_required
from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.users.forms import form_add_application_error
from tokshop.users.selectors import seller_profile_get

from .forms import VerificationForm
from .selectors import verification_request_latest
from .services.verification import verification_request_submit


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
