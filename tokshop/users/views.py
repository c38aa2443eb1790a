from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest
from tokshop.core.ratelimit import rate_limited_post
from tokshop.notifications.selectors import notification_email_preferences
from tokshop.notifications.services import notification_preferences_update

from .forms import (
    EmailAuthenticationForm,
    EmailForm,
    NotificationPreferencesForm,
    ProfileForm,
    ShopForm,
    SignupForm,
    form_add_application_error,
)
from .selectors import api_token_list, seller_profile_get
from .services import (
    api_token_revoke,
    seller_profile_save,
    user_password_changed,
    user_profile_update,
    user_signup,
    user_verify_email,
    verification_email_resend,
)

# The address a sign-up used, so the next page can say where the link went.
SIGNUP_EMAIL_SESSION_KEY = "users.signup_email"


@rate_limited_post(scope="signup")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            with transaction.atomic():
                user = user_signup(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            request.session[SIGNUP_EMAIL_SESSION_KEY] = user.email
            return redirect("users:signup_done")
    return render(request, "users/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get(SIGNUP_EMAIL_SESSION_KEY, "")
    return render(
        request, "users/signup_done.html", {"email": email, "resend_form": EmailForm(initial={"email": email})}
    )


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        verified = user_verify_email(token=token)
    except ApplicationError as error:
        context = {"error": error, "resend_form": EmailForm()}
        return render(request, "users/verify_email_failed.html", context, status=400)
    return render(request, "users/verify_email_done.html", {"verified_user": verified})


@require_POST
@rate_limited_post(scope="verify_resend")
def verify_resend(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the e-mail address you signed up with to get a new link.")
        return redirect("users:login")
    email = form.cleaned_data["email"]
    verification_email_resend(email=email)
    # The same answer whether or not the account exists, so the form cannot reveal who has one.
    messages.success(request, f"If {email} belongs to an account waiting for confirmation, we have sent it a new link.")
    return redirect("users:login")


@method_decorator(rate_limited_post(scope="login"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "users/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("users:password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user_password_changed(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


@method_decorator(rate_limited_post(scope="password_reset"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("users:password_reset_done")
    extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("users:password_reset_complete")

    def form_valid(self, form: "SetPasswordForm[Any]") -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user_password_changed(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    user_profile_update(
                        user=user,
                        display_name=form.cleaned_data["display_name"],
                        avatar=form.cleaned_data["avatar"],
                        avatar_clear=form.cleaned_data["avatar_clear"],
                    )
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("users:profile")
    else:
        form = ProfileForm(initial={"display_name": user.display_name})
    return render(request, "users/profile.html", {"form": form})


@login_required
def shop(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    shop_profile = seller_profile_get(user=user)
    if request.method == "POST":
        form = ShopForm(request.POST)
        if form.is_valid():
            try:
                seller_profile_save(
                    user=user,
                    shop_name=form.cleaned_data["shop_name"],
                    slug=form.cleaned_data["slug"],
                    bio=form.cleaned_data["bio"],
                )
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                messages.success(request, "Your shop is saved." if shop_profile else "Your shop is open.")
                return redirect("users:shop")
    elif shop_profile is not None:
        form = ShopForm(
            initial={"shop_name": shop_profile.shop_name, "slug": shop_profile.slug, "bio": shop_profile.bio}
        )
    else:
        form = ShopForm()
    return render(request, "users/shop.html", {"form": form, "shop": shop_profile})


@login_required
def devices(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "users/devices.html", {"tokens": api_token_list(user=request.user)})


@login_required
@require_POST
def device_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    try:
        api_token_revoke(user=request.user, token_id=token_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, "That device is signed out.")
    return redirect("users:devices")


@login_required
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    preferences = notification_email_preferences(user=user)
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, preferences=preferences)
        if form.is_valid():
            try:
                notification_preferences_update(user=user, email=form.email_choices())
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                messages.success(request, "Your notification settings are saved.")
                return redirect("users:notification_settings")
    else:
        form = NotificationPreferencesForm(preferences=preferences)
    return render(request, "users/notification_settings.html", {"form": form})
