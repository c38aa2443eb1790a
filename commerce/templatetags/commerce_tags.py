from django import template

from ..payments import stripe_enabled

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}
# Currencies without a minor unit: their amounts are stored in whole units.
ZERO_DECIMAL = {"JPY", "KRW"}


@register.filter
def money(cents: int, currency: str = "USD") -> str:
    """12345, "USD" → "$123.45"; a currency without a symbol here shows its code: "123.45 CHF"."""
    places = 0 if currency in ZERO_DECIMAL else 2
    amount = f"{cents / 10**places:,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


@register.simple_tag
def stripe_is_enabled() -> bool:
    """Whether Stripe takes payments here (saved cards exist only then)."""
    return stripe_enabled()
