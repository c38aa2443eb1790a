from django import forms

from .models import ReportReason
from .services.reports import DETAILS_MAX_LENGTH


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="What is wrong?", choices=[("", "Choose a reason"), *ReportReason.choices])
    details = forms.CharField(
        label="Anything moderators should know",
        required=False,
        max_length=DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What happened, and where. The person you report is not told who reported them.",
    )
