"""Forms of the moderation pages: fields and widgets only; the services check what matters."""

from django import forms

from .models import EntityType


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
