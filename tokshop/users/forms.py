from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from tokshop.core.errors import ApplicationError
from tokshop.notifications.models import ALWAYS_EMAILED, NotificationKind

from .models import SellerProfile, User
from .services import user_check_can_sign_in


def form_add_application_error(
    form: forms.Form, error: ApplicationError, field_names: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: each field error beside its field (`field_names` maps
    a service's field name to the form's where they differ), the rest on top."""
    for field, messages in error.fields.items():
        name = (field_names or {}).get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text="We send a link to this address to confirm it is yours.",
    )
    display_name = forms.CharField(
        label="Display name",
        max_length=User._meta.get_field("display_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text="Shown beside your chat messages and bids.",
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", "The two passwords do not match.")
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in by e-mail; accounts whose address is not confirmed yet are turned away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        try:
            user_check_can_sign_in(user=user)
        except ApplicationError as error:
            raise ValidationError(error.message, code=error.code) from error

    @property
    def needs_verification(self) -> bool:
        return self.is_bound and self.has_error(NON_FIELD_ERRORS, "email_unverified")


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=User._meta.get_field("display_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text="Shown beside your chat messages and bids.",
    )
    avatar = forms.FileField(
        label="Profile picture",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "data-avatar-input": ""}),
        help_text="A square JPEG, PNG, WebP or GIF under 2 MB looks best.",
    )
    avatar_clear = forms.BooleanField(label="Remove my picture", required=False)


class ShopForm(forms.Form):
    shop_name = forms.CharField(
        label="Shop name",
        max_length=SellerProfile._meta.get_field("shop_name").max_length,
        widget=forms.TextInput(attrs={"data-slug-source": ""}),
    )
    slug = forms.CharField(
        label="Shop address",
        max_length=SellerProfile._meta.get_field("slug").max_length,
        widget=forms.TextInput(
            attrs={
                "data-slug-target": "",
                "autocapitalize": "none",
                "spellcheck": "false",
                "pattern": "[a-z0-9]+(-[a-z0-9]+)*",
            }
        ),
        help_text="Lowercase letters, digits and single hyphens, for example vintage-finds.",
    )
    bio = forms.CharField(
        label="About your shop",
        required=False,
        max_length=SellerProfile._meta.get_field("bio").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you sell and when you usually go live.",
    )


class NotificationPreferencesForm(forms.Form):
    """One "also e-mail me" box per kind; kinds that are always e-mailed are shown locked on."""

    def __init__(self, *args: Any, preferences: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            locked = kind in ALWAYS_EMAILED
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                disabled=locked,
                initial=True if locked else preferences.get(kind.value, False),
                help_text="Always e-mailed: they protect your account." if locked else "",
            )

    def email_choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in self.fields}
