from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest

from .forms import (
    CardForm,
    CartQuantityForm,
    ProductForm,
    ProductImageForm,
    SearchForm,
    SellerProductFilterForm,
    ShipForm,
    ShippingForm,
    form_add_service_error,
)
from .models import CART_LINE_MAX, Order, OrderStatus, Product
from .payments import ChargeStatus, stripe_enabled
from .selectors import (
    cart_get_for_buyer,
    order_get_for_buyer,
    order_get_for_seller,
    order_list_for_buyer,
    order_list_for_seller,
    product_get_for_seller,
    product_get_public,
    product_list_for_seller,
    product_page_for_shop,
    product_search,
    shop_get_public,
)
from .services.cart import cart_add, cart_remove, cart_update
from .services.catalog import (
    PRODUCT_IMAGES_MAX,
    product_archive,
    product_create,
    product_image_add,
    product_image_remove,
    product_update,
)
from .services.line_orders import order_shipping_give
from .services.orders import (
    SHIPPING_CENTS,
    PaymentOutcome,
    checkout,
    order_cancel,
    order_confirm_delivery,
    order_pay,
    order_ship,
)
from .services.refunds import REFUNDABLE
from .views_payments import RefundForm, order_payment_context, order_payment_return, stripe_csp

SELLER_PAGE_SIZE = 20
SEARCH_PAGE_SIZE = 24

View = Callable[..., HttpResponse]


def seller_required(view: View) -> View:
    """Signed in and running a shop; anyone else is sent to open one."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_seller:
            messages.info(request, "Open your shop first: then you can add products to it.")
            return redirect("users:shop")
        return view(request, *args, **kwargs)

    return wrapper


def _own_product_or_404(request: AuthenticatedHttpRequest, product_id: int) -> Product:
    product = product_get_for_seller(seller=request.user, product_id=product_id)
    if product is None:
        raise Http404("No such product.")
    return product


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@seller_required
def seller_products(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SellerProductFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    products = product_list_for_seller(
        seller=request.user,
        status=filters.get("status") or None,
        category_id=filters.get("category"),
        search=filters.get("q", ""),
    )
    page = Paginator(products, SELLER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "query": _query_without_page(request), "filtered": bool(filters)}
    return render(request, "commerce/seller_products.html", context)


@seller_required
def seller_product_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            product = product_create(seller=request.user, **form.service_kwargs())
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"“{product.title}” is in your shop. Add pictures so buyers can see it.")
            return redirect("commerce:seller_product_edit", product_id=product.pk)
    return render(request, "commerce/seller_product_form.html", {"form": form, "product": None})


@seller_required
def seller_product_edit(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    product = _own_product_or_404(request, product_id)
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product_update(seller=request.user, product_id=product.pk, **form.service_kwargs())
            except ApplicationError as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, "Your product is saved.")
                return redirect("commerce:seller_product_edit", product_id=product.pk)
    else:
        form = ProductForm(initial=_product_initial(product))
    return render(request, "commerce/seller_product_form.html", _edit_context(product, form, ProductImageForm()))


def _product_initial(product: Product) -> dict[str, Any]:
    return {
        "title": product.title,
        "description": product.description,
        "price": f"{product.price_cents / 100:.2f}",
        "currency": product.currency,
        "category": product.category_id,
        "condition": product.condition,
        "tags": ", ".join(product.tag_list),
        "sku": product.sku,
        "shipping_weight_grams": product.shipping_weight_grams,
        "quantity_on_hand": product.quantity_on_hand,
    }


def _edit_context(product: Product, form: ProductForm, image_form: ProductImageForm) -> dict[str, Any]:
    images = list(product.images.all())
    return {
        "form": form,
        "image_form": image_form,
        "product": product,
        "images": images,
        "can_add_image": len(images) < PRODUCT_IMAGES_MAX,
        "images_max": PRODUCT_IMAGES_MAX,
    }


@seller_required
@require_POST
def seller_product_image_add(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    product = _own_product_or_404(request, product_id)
    image_form = ProductImageForm(request.POST, request.FILES)
    if image_form.is_valid():
        try:
            product_image_add(seller=request.user, product_id=product.pk, image=image_form.cleaned_data["image"])
        except ApplicationError as error:
            form_add_service_error(image_form, error)
        else:
            messages.success(request, "The picture is added.")
            return redirect("commerce:seller_product_edit", product_id=product.pk)
    context = _edit_context(product, ProductForm(initial=_product_initial(product)), image_form)
    return render(request, "commerce/seller_product_form.html", context, status=400)


@seller_required
@require_POST
def seller_product_image_remove(request: AuthenticatedHttpRequest, product_id: int, image_id: int) -> HttpResponse:
    try:
        product_image_remove(seller=request.user, product_id=product_id, image_id=image_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, "The picture is removed.")
    return redirect("commerce:seller_product_edit", product_id=product_id)


@seller_required
@require_POST
def seller_product_archive(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    try:
        with transaction.atomic():
            product = product_archive(seller=request.user, product_id=product_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, f"“{product.title}” is archived: it no longer shows in your shop or in search.")
    return redirect("commerce:seller_products")


def product_detail(request: HttpRequest, product_id: int, slug: str) -> HttpResponse:
    product = product_get_public(product_id=product_id)
    if product is None:
        raise Http404("No such product.")
    if slug != product.slug:
        return redirect(product, permanent=True)
    shop = getattr(product.seller, "seller_profile", None)
    can_buy = request.user.is_authenticated and request.user.pk != product.seller_id
    context = {"product": product, "shop": shop, "can_buy": can_buy, "line_max": CART_LINE_MAX}
    return render(request, "commerce/product_detail.html", context)


def shop_detail(request: HttpRequest, slug: str) -> HttpResponse:
    shop = shop_get_public(slug=slug)
    if shop is None:
        raise Http404("No such shop.")
    page = product_page_for_shop(shop=shop, page=request.GET.get("page"), per_page=SEARCH_PAGE_SIZE)
    context = {"shop": shop, "page_obj": page, "query": _query_without_page(request)}
    return render(request, "commerce/shop_detail.html", context)


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    products = product_search(**form.search_kwargs()) if valid else product_search()
    page = Paginator(products, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "query": _query_without_page(request),
        "searched_for": form.cleaned_data.get("q", "") if valid else "",
    }
    return render(request, "commerce/search.html", context)


@login_required
def cart_detail(request: AuthenticatedHttpRequest) -> HttpResponse:
    cart = cart_get_for_buyer(buyer=request.user)
    return render(request, "commerce/cart.html", {"cart": cart, "line_max": CART_LINE_MAX})


def _quantity_or_message(request: AuthenticatedHttpRequest) -> int | None:
    form = CartQuantityForm(request.POST)
    if form.is_valid():
        quantity: int = form.cleaned_data["quantity"]
        return quantity
    messages.error(request, f"Choose a quantity between 1 and {CART_LINE_MAX}.")
    return None


@login_required
@require_POST
def cart_add_view(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    quantity = _quantity_or_message(request)
    if quantity is None:
        return redirect("commerce:cart")
    try:
        item = cart_add(buyer=request.user, product_id=product_id, quantity=quantity)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        product = product_get_public(product_id=product_id)
        return redirect(product if product else "commerce:cart")
    messages.success(request, f"“{item.product.title}” is in your cart.")
    return redirect("commerce:cart")


@login_required
@require_POST
def cart_item_update(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    quantity = _quantity_or_message(request)
    if quantity is not None:
        try:
            cart_update(buyer=request.user, item_id=item_id, quantity=quantity)
        except NotFound as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your cart is updated.")
    return redirect("commerce:cart")


@login_required
@require_POST
def cart_item_remove(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    try:
        cart_remove(buyer=request.user, item_id=item_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, "The item is out of your cart.")
    return redirect("commerce:cart")


def _payment_message(request: HttpRequest, outcome: PaymentOutcome) -> None:
    if outcome.status == ChargeStatus.SUCCEEDED:
        messages.success(request, f"Order {outcome.order.number} is paid. A receipt is on its way to your inbox.")
    else:
        messages.error(request, f"Order {outcome.order.number} is not paid: {outcome.message}")


@login_required
def checkout_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    cart = cart_get_for_buyer(buyer=request.user)
    if not cart.items:
        messages.info(request, "Your cart is empty.")
        return redirect("commerce:cart")
    shipping_form = ShippingForm(request.POST or None)
    # With Stripe the card is taken on the order page, by Stripe's own form.
    card_form = None if stripe_enabled() else CardForm(request.POST or None)
    if request.method == "POST" and shipping_form.is_valid() and (card_form is None or card_form.is_valid()):
        try:
            orders = checkout(buyer=request.user, shipping=shipping_form.cleaned_data)
        except ApplicationError as error:
            form_add_service_error(shipping_form, error)
        else:
            if card_form is None:
                messages.info(request, "Your order is placed: pay for it below.")
            else:
                for order in orders:
                    _payment_message(
                        request, order_pay(buyer=request.user, order_id=order.pk, card_number=card_form.card())
                    )
            return redirect(orders[0] if len(orders) == 1 else "commerce:orders")
    sellers = {item.product.seller_id for item in cart.items}
    context = {
        "cart": cart,
        "shipping_form": shipping_form,
        "card_form": card_form,
        "shipping_cents": SHIPPING_CENTS * len(sellers),
        "total_cents": cart.subtotal_cents + SHIPPING_CENTS * len(sellers),
        "parcels": len(sellers),
    }
    return render(request, "commerce/checkout.html", context, status=400 if request.method == "POST" else 200)


@login_required
def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(order_list_for_buyer(buyer=request.user), SELLER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "commerce/orders.html", {"page_obj": page, "query": _query_without_page(request)})


def _buyer_order_or_404(request: AuthenticatedHttpRequest, order_id: int) -> Order:
    order = order_get_for_buyer(buyer=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    return order


@login_required
@stripe_csp
def order_detail(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    order = order_payment_return(request, _buyer_order_or_404(request, order_id))
    context = {
        "order": order,
        "card_form": CardForm(),
        "shipping_form": ShippingForm(),
        **order_payment_context(request, order),
    }
    return render(request, "commerce/order_detail.html", context)


@login_required
@require_POST
def order_address_view(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    """The buyer gives the address of a prize won before they ever ordered."""
    order = _buyer_order_or_404(request, order_id)
    form = ShippingForm(request.POST)
    if not form.is_valid():
        context = {"order": order, "card_form": CardForm(), "shipping_form": form}
        return render(request, "commerce/order_detail.html", context, status=400)
    try:
        order_shipping_give(buyer=request.user, order_id=order_id, shipping=form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thanks: the seller will ship it to this address.")
    return redirect("commerce:order", order_id=order_id)


@login_required
@require_POST
def order_pay_view(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    form = CardForm(request.POST)
    if not form.is_valid():
        order = _buyer_order_or_404(request, order_id)
        return render(request, "commerce/order_detail.html", {"order": order, "card_form": form}, status=400)
    try:
        _payment_message(request, order_pay(buyer=request.user, order_id=order_id, card_number=form.card()))
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("commerce:order", order_id=order_id)


def _buyer_order_action(
    request: AuthenticatedHttpRequest,
    order_id: int,
    action: Callable[..., Order],
    success: str,
) -> HttpResponse:
    """Run one of the buyer's order services and report back on the order page."""
    try:
        order = action(buyer=request.user, order_id=order_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success.format(number=order.number))
    return redirect("commerce:order", order_id=order_id)


@login_required
@require_POST
def order_cancel_view(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    return _buyer_order_action(request, order_id, order_cancel, "Order {number} is cancelled.")


@login_required
@require_POST
def order_confirm_view(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    return _buyer_order_action(request, order_id, order_confirm_delivery, "Thank you: order {number} is delivered.")


@seller_required
def seller_order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status") if request.GET.get("status") in OrderStatus.values else None
    orders = order_list_for_seller(seller=request.user, status=status)
    page = Paginator(orders, SELLER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "query": _query_without_page(request),
        "statuses": OrderStatus.choices,
        "status": status,
    }
    return render(request, "commerce/seller_orders.html", context)


def _seller_order_or_404(request: AuthenticatedHttpRequest, order_id: int) -> Order:
    order = order_get_for_seller(seller=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    return order


@seller_required
def seller_order_detail(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    order = _seller_order_or_404(request, order_id)
    form = ShipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order_ship(seller=request.user, order_id=order_id, **form.cleaned_data)
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Order {order.number} is marked shipped; the buyer is told.")
            return redirect("commerce:seller_order", order_id=order_id)
    status = 400 if request.method == "POST" else 200
    context = {"order": order, "form": form, "refund_form": RefundForm(), "refundable": order.status in REFUNDABLE}
    return render(request, "commerce/seller_order_detail.html", context, status=status)
