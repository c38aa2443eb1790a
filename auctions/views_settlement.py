"""Pages of settlement: the seller's result and timeline of an auction, a buyer's offer."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from commerce.forms import ShippingForm, form_add_service_error
from commerce.selectors import order_shipping_last_used
from commerce.views import seller_required
from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest

from .models import AuctionOffer, OfferStatus
from .selectors_settlement import auction_event_list, auction_get_for_seller, auction_offer_list, offer_get_for_buyer
from .services.settlement import offer_accept, offer_refuse


@seller_required
def seller_auction(request: AuthenticatedHttpRequest, auction_id: int) -> HttpResponse:
    auction = auction_get_for_seller(seller=request.user, auction_id=auction_id)
    if auction is None:
        raise Http404("No such auction.")
    context = {
        "auction": auction,
        "offers": list(auction_offer_list(auction=auction)),
        "events": list(auction_event_list(auction=auction)),
        "strikes": set(auction.strikes.values_list("user_id", flat=True)),
    }
    return render(request, "auctions/seller_auction.html", context)


def _own_offer_or_404(request: AuthenticatedHttpRequest, offer_id: int) -> AuctionOffer:
    offer = offer_get_for_buyer(buyer=request.user, offer_id=offer_id)
    if offer is None:
        raise Http404("No such offer.")
    return offer


def _offer_context(request: AuthenticatedHttpRequest, offer: AuctionOffer, form: ShippingForm | None) -> dict[str, Any]:
    needs_order = offer.status == OfferStatus.OFFERED or (
        offer.status == OfferStatus.AWAITING_PAYMENT and offer.order_id is None
    )
    # The address is asked for only when commerce has none on file for this buyer.
    if form is None and needs_order and order_shipping_last_used(buyer=request.user) is None:
        form = ShippingForm()
    return {"offer": offer, "auction": offer.auction, "needs_order": needs_order, "shipping_form": form}


@login_required
def offer_detail(request: AuthenticatedHttpRequest, offer_id: int) -> HttpResponse:
    offer = _own_offer_or_404(request, offer_id)
    return render(request, "auctions/offer_detail.html", _offer_context(request, offer, None))


@login_required
@require_POST
def offer_accept_view(request: AuthenticatedHttpRequest, offer_id: int) -> HttpResponse:
    offer = _own_offer_or_404(request, offer_id)
    form = ShippingForm(request.POST) if "shipping_name" in request.POST else None
    if form is not None and not form.is_valid():
        return render(request, "auctions/offer_detail.html", _offer_context(request, offer, form), status=400)
    try:
        offer_accept(buyer=request.user, offer_id=offer_id, shipping=form.cleaned_data if form is not None else None)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        if error.code == "address_required" or form is not None:
            form = form or ShippingForm()
            form_add_service_error(form, error)
            return render(request, "auctions/offer_detail.html", _offer_context(request, offer, form), status=400)
        messages.error(request, error.message)
        return redirect(offer)
    # Read again: the charge may have run already, once the acceptance committed.
    offer = _own_offer_or_404(request, offer_id)
    if offer.status == OfferStatus.PAID:
        messages.success(request, "Paid with your saved card: the seller will ship it soon.")
    elif offer.order_id is not None and offer.status == OfferStatus.AWAITING_PAYMENT:
        messages.info(request, "Your order is placed: pay for it below.")
        return redirect(offer.order.get_absolute_url())  # type: ignore[union-attr]
    return redirect(offer)


@login_required
@require_POST
def offer_refuse_view(request: AuthenticatedHttpRequest, offer_id: int) -> HttpResponse:
    _own_offer_or_404(request, offer_id)
    try:
        offer_refuse(buyer=request.user, offer_id=offer_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "You turned the offer down; it goes to the next bidder.")
    return redirect("auctions:offer", offer_id=offer_id)
