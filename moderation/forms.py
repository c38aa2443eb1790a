"""The forms of the report page, the seller's verification and moderation pages and the moderators' page:
fields and widgets; the services check what matters."""

from datetime import timedelta
from typing import Any

from django import forms

from tokshop.users.models import User
from tokshop.users.selectors import user_get_active_by_email

from .models import EntityType, PatternAction, ReportReason, SanctionKind
from .services.appeals import APPEAL_MAX_LENGTH
from .services.moderators import UNKNOWN_EMAIL
from .services.reports import DETAILS_MAX_LENGTH
from .services.rules import WORD_MAX_LENGTH

# What a moderator picks from rather than types, in minutes: the lengths a live room needs, and 0 for
# "until lifted".
UNTIL_LIFTED = 0
DURATIONS = [
    ("15", "15 minutes"),
    ("60", "1 hour"),
    ("1440", "24 hours"),
    ("10080", "7 days"),
    ("43200", "30 days"),
    (str(UNTIL_LIFTED), "Until lifted"),
]


class ModeratorAppointForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="The address they sign in to Tokshop with. They are told, and can act in your shows only.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )


class MuteWordForm(forms.Form):
    word = forms.CharField(
        label="Word or phrase",
        max_length=WORD_MAX_LENGTH,
        help_text="Also caught spelled with numbers, spaces or repeated letters.",
    )


class PatternForm(forms.Form):
    pattern = forms.CharField(
        label="Pattern",
        max_length=200,
        strip=False,
        help_text="A regular expression (RE2: no back-references or look-around), matched ignoring case.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off", "class": "input-code"}),
    )
    action = forms.ChoiceField(label="When a message matches", choices=PatternAction.choices)
    description = forms.CharField(label="Note to yourself", max_length=200, required=False)


class SlowModeForm(forms.Form):
    seconds = forms.IntegerField(
        label="Seconds between messages",
        min_value=0,
        max_value=3600,
        help_text="Each viewer waits this long between two messages in your shows. 0 turns slow mode off.",
    )


class SanctionForm(forms.Form):
    """Mute or ban someone in one seller's shows, named by the e-mail address of their account."""

    email = forms.EmailField(label="Their e-mail address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    kind = forms.ChoiceField(
        label="Action",
        choices=[(SanctionKind.MUTE, "Mute"), (SanctionKind.BAN, "Ban")],
        help_text="Muted: watches, can't chat. Banned: can't take part.",
    )
    duration = forms.TypedChoiceField(label="For", choices=DURATIONS, coerce=int, initial="60")
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="The person is told this reason.",
        widget=forms.TextInput(attrs={"placeholder": "Spam links in chat"}),
    )

    def clean_email(self) -> User:
        user = user_get_active_by_email(email=self.cleaned_data["email"])
        if user is None:
            raise forms.ValidationError(UNKNOWN_EMAIL)
        return user

    def sanction(self) -> dict[str, Any]:
        """The keyword arguments of `sanction_impose` this form stands for."""
        minutes = self.cleaned_data["duration"]
        return {
            "user": self.cleaned_data["email"],
            "kind": self.cleaned_data["kind"],
            "reason": self.cleaned_data["reason"],
            "duration": None if minutes == UNTIL_LIFTED else timedelta(minutes=minutes),
        }


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="What is wrong?", choices=[("", "Choose a reason"), *ReportReason.choices])
    details = forms.CharField(
        label="Anything moderators should know",
        required=False,
        max_length=DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What happened, and where. The person you report is not told who reported them.",
    )


class VerificationForm(forms.Form):
    entity_type = forms.ChoiceField(label="You sell as", choices=EntityType.choices, initial=EntityType.INDIVIDUAL)
    legal_name = forms.CharField(
        label="Legal name", max_length=200, help_text="Exactly as on your ID document or company registration."
    )
    business_name = forms.CharField(label="Shop or business name", max_length=200)
    country = forms.RegexField(
        label="Country",
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        help_text="Two letters, such as US.",
        error_messages={"invalid": "Use the two-letter country code, such as US."},
    )
    address_line1 = forms.CharField(label="Address", max_length=200)
    address_line2 = forms.CharField(label="Apartment, suite", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100)
    postal_code = forms.CharField(label="Postal code", max_length=20)
    phone = forms.RegexField(
        label="Phone",
        regex=r"^\+?[0-9 ()\-]{6,20}$",
        max_length=20,
        help_text="With the country code, such as +1 555 010 0199.",
        error_messages={"invalid": "Use digits, spaces and an optional leading +."},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, help_text="Individuals.", widget=forms.DateInput(attrs={"type": "date"})
    )
    company_number = forms.CharField(
        label="Company registration number", max_length=40, required=False, help_text="Companies."
    )
    tax_id = forms.CharField(label="Tax ID", max_length=40, required=False)
    document = forms.FileField(
        label="ID document",
        help_text="A passport, ID card or company registration: PDF, JPEG, PNG or WebP, up to 5 MB. "
        "Only the Tokshop team sees it.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}),
    )


class AppealForm(forms.Form):
    sanction_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Why do you think this is wrong?",
        max_length=APPEAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A moderator of the shows where it holds reads it and decides; you'll get a notification.",
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("grant", "Grant"), ("deny", "Deny")])
    note = forms.CharField(
        label="Note to them",
        max_length=500,
        required=False,
        help_text="Sent with the decision.",
        widget=forms.TextInput(attrs={"placeholder": "Optional: why you decided so"}),
    )
