from django import forms

from .services.appeals import APPEAL_MAX_LENGTH


class AppealForm(forms.Form):
    sanction_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Why do you think this is wrong?",
        max_length=APPEAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A moderator of the shows where it holds reads it and decides; you'll get a notification.",
    )
