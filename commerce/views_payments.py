"""Pages of payments: saved cards, the Payment Element on the order page, seller refunds."""

from collections.abc import Callable
from functools import wraps
from typing import Any

import stripe
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest

from .forms import ShipForm, form_add_service_error
from .models import Order, OrderStatus
from .payments import stripe_enabled
from .selectors import order_get_for_seller
from .services.payments import (
    PAYMENTS_UNAVAILABLE,
    card_default_set,
    card_list,
    card_remove,
    card_setup_start,
    card_setup_succeeded,
    order_payment_start,
    order_payment_sync,
)
from .services.refunds import REFUNDABLE, order_refund

View = Callable[..., HttpResponse]


def stripe_csp(view: View) -> View:
    """Let a page load Stripe.js and its frames (js.stripe.com only), and only while Stripe is on."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if stripe_enabled():
            origin = [settings.STRIPE_JS_ORIGIN]
            response._csp_update = {"script-src": origin, "frame-src": origin}  # type: ignore[attr-defined]
        return response

    return wrapper


def _stripe_or_404() -> None:
    if not stripe_enabled():
        raise Http404("Saved cards need Stripe, which this site does not use.")


def order_payment_context(request: AuthenticatedHttpRequest, order: Order) -> dict[str, Any]:
    """The Payment Element's data for an order awaiting payment, when Stripe takes payments."""
    if not stripe_enabled() or order.status != OrderStatus.PENDING_PAYMENT:
        return {}
    try:
        intent = order_payment_start(buyer=request.user, order_id=order.pk)
    except ApplicationError as error:
        return {"stripe_error": error.message}
    except stripe.StripeError:
        return {"stripe_error": PAYMENTS_UNAVAILABLE}
    return {
        "stripe_client_secret": intent.client_secret,
        "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_return_url": request.build_absolute_uri(reverse("commerce:order", kwargs={"order_id": order.pk})),
    }


def order_payment_return(request: AuthenticatedHttpRequest, order: Order) -> Order:
    """Back from Stripe.js with `?payment_intent=`: read the payment now rather than wait for the webhook."""
    if (
        stripe_enabled()
        and request.GET.get("payment_intent")
        and order.payment_reference == request.GET.get("payment_intent")
    ):
        return order_payment_sync(order_id=order.pk)
    return order


@login_required
@stripe_csp
def payment_methods(request: AuthenticatedHttpRequest) -> HttpResponse:
    _stripe_or_404()
    setup_intent = request.GET.get("setup_intent", "")
    if setup_intent.startswith("seti_"):
        card_setup_succeeded(setup_intent_id=setup_intent)
        messages.success(request, "Your card is saved.")
        return redirect("commerce:payment_methods")
    try:
        context: dict[str, Any] = {"cards": card_list(user=request.user)}
        intent = card_setup_start(user=request.user) if request.GET.get("add") else None
    except stripe.StripeError:
        return render(request, "commerce/payment_methods.html", {"stripe_error": PAYMENTS_UNAVAILABLE}, status=503)
    if intent is not None:
        context |= {
            "stripe_client_secret": intent.client_secret,
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "stripe_return_url": request.build_absolute_uri(reverse("commerce:payment_methods")),
        }
    return render(request, "commerce/payment_methods.html", context)


def _card_action(
    request: AuthenticatedHttpRequest, action: Callable[..., None], payment_method_id: str, done: str
) -> HttpResponse:
    _stripe_or_404()
    try:
        action(user=request.user, payment_method_id=payment_method_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except stripe.StripeError:
        messages.error(request, PAYMENTS_UNAVAILABLE)
    else:
        messages.success(request, done)
    return redirect("commerce:payment_methods")


@login_required
@require_POST
def payment_method_default(request: AuthenticatedHttpRequest, payment_method_id: str) -> HttpResponse:
    return _card_action(request, card_default_set, payment_method_id, "That card is now your default.")


@login_required
@require_POST
def payment_method_remove(request: AuthenticatedHttpRequest, payment_method_id: str) -> HttpResponse:
    return _card_action(request, card_remove, payment_method_id, "The card is removed.")


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount",
        required=False,
        min_value=0.01,
        decimal_places=2,
        help_text="Leave empty to refund all that is left.",
    )
    reason = forms.CharField(label="Reason", max_length=200, required=False)


@login_required
@require_POST
def seller_order_refund(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    order = order_get_for_seller(seller=request.user, order_id=order_id) if request.user.is_seller else None
    if order is None:
        raise Http404("No such order.")
    form = RefundForm(request.POST)
    if form.is_valid():
        amount = form.cleaned_data["amount"]
        try:
            order_refund(
                actor=request.user,
                seller=request.user,
                order_id=order_id,
                amount_cents=None if amount is None else int(amount * 100),
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        except stripe.StripeError:
            form.add_error(None, PAYMENTS_UNAVAILABLE)
        else:
            messages.success(request, f"Refund on order {order.number} sent; the buyer is told.")
            return redirect("commerce:seller_order", order_id=order_id)
    context = {"order": order, "form": ShipForm(), "refund_form": form, "refundable": order.status in REFUNDABLE}
    return render(request, "commerce/seller_order_detail.html", context, status=400)
