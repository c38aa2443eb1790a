from django import forms

from .models import RATING_MAX, RATING_MIN
from .services.reviews import REVIEW_TEXT_MAX

# Highest first: the stylesheet lays the stars out right to left so a checked star lights the ones before it.
STAR_CHOICES = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(RATING_MAX, RATING_MIN - 1, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How is the product?", choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    seller_rating = forms.TypedChoiceField(
        label="How was the seller?", choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="Tell other buyers about it",
        required=False,
        max_length=REVIEW_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you liked, what you did not, how it arrived.",
    )


class ReviewAnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your public answer", max_length=REVIEW_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
