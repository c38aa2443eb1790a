from decimal import Decimal
from typing import Any

from django import forms

from tokshop.core.errors import ApplicationError
from tokshop.users.forms import form_add_application_error

from .models import CART_LINE_MAX, Category, Condition, ProductStatus
from .selectors import SORTS, category_list

# The largest amount an integer column of cents holds, in units.
PRICE_MAX = Decimal("21474836.47")
COUNT_MAX = 2_147_483_647

# Service field names as the forms call them: sellers type prices in units, not cents.
FORM_FIELD_NAMES = {"price_cents": "price", "category_id": "category"}
SORT_LABELS = {
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}


def form_add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on a commerce form, whose fields are named as sellers type them."""
    form_add_application_error(form, error, FORM_FIELD_NAMES)


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def category_label(category: Category) -> str:
    return f"{category.parent.name} / {category.name}" if category.parent else category.name


def category_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(c.pk), category_label(c)) for c in category_list()]


class ProductForm(forms.Form):
    title = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5}), help_text="What a buyer should know."
    )
    price = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=PRICE_MAX, max_digits=10, decimal_places=2, help_text="For example 24.50"
    )
    currency = forms.CharField(min_length=3, max_length=3, initial="USD")
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    condition = forms.ChoiceField(choices=Condition.choices, initial=Condition.NEW)
    tags = forms.CharField(required=False, max_length=255, help_text="Separate tags with commas: film, camera, 1970s")
    sku = forms.CharField(label="SKU", required=False, max_length=64, help_text="Your own stock code.")
    shipping_weight_grams = forms.IntegerField(
        label="Shipping weight (grams)", min_value=0, max_value=COUNT_MAX, initial=0
    )
    quantity_on_hand = forms.IntegerField(label="Quantity in stock", min_value=0, max_value=COUNT_MAX, initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices("No category")  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["price_cents"] = cents(data.pop("price"))
        data["category_id"] = data.pop("category")
        return data


class ProductImageForm(forms.Form):
    image = forms.FileField(
        label="Add a picture",
        help_text="JPEG, PNG or WebP, up to 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class SellerProductFilterForm(forms.Form):
    q = forms.CharField(label="Search your products", required=False, max_length=200)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ProductStatus.choices])
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices("Any category")  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    category = forms.ChoiceField(required=False)
    price_min = forms.DecimalField(
        label="Min price", required=False, min_value=0, max_value=PRICE_MAX, max_digits=10, decimal_places=2
    )
    price_max = forms.DecimalField(
        label="Max price", required=False, min_value=0, max_value=PRICE_MAX, max_digits=10, decimal_places=2
    )
    condition = forms.ChoiceField(required=False, choices=[("", "Any condition"), *Condition.choices])
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [  # type: ignore[attr-defined]
            (c.slug, category_label(c)) for c in category_list()
        ]

    def search_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "query": data["q"],
            "category": data["category"] or None,
            "price_min": cents(data["price_min"]),
            "price_max": cents(data["price_max"]),
            "condition": data["condition"] or None,
            "in_stock": data["in_stock"],
            "sort": data["sort"] or "relevance",
        }


class CartQuantityForm(forms.Form):
    quantity = forms.IntegerField(label="Quantity", min_value=1, max_value=CART_LINE_MAX, initial=1)


class ShippingForm(forms.Form):
    shipping_name = forms.CharField(label="Full name", max_length=120)
    shipping_line1 = forms.CharField(label="Address", max_length=200)
    shipping_line2 = forms.CharField(label="Apartment, suite", max_length=200, required=False)
    shipping_city = forms.CharField(label="City", max_length=100)
    shipping_postal_code = forms.CharField(label="Postal code", max_length=20)
    shipping_country = forms.CharField(
        label="Country", min_length=2, max_length=2, initial="US", help_text="Two letters, such as US."
    )


class CardForm(forms.Form):
    card_number = forms.RegexField(
        label="Card number",
        regex=r"^[0-9 ]{12,23}$",
        help_text="Test gateway: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )

    def card(self) -> str:
        return str(self.cleaned_data["card_number"]).replace(" ", "")


class ShipForm(forms.Form):
    carrier = forms.CharField(label="Carrier", max_length=60)
    tracking_number = forms.CharField(label="Tracking number", max_length=100)
