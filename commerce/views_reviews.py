"""Pages for wishlists and reviews: the Saved page, the heart buttons, the review form, seller answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tokshop.core.errors import ApplicationError, NotFound
from tokshop.core.http import AuthenticatedHttpRequest

from .forms import form_add_service_error
from .forms_reviews import ReviewAnswerForm, ReviewForm
from .models import OrderLine, OrderStatus
from .selectors import order_get_for_buyer, product_get_public
from .selectors_reviews import review_get_for_reader
from .selectors_wishlist import wishlist_list_for_buyer
from .services.reviews import review_answer, review_create, review_update
from .services.wishlist import wishlist_add, wishlist_remove

SAVED_PAGE_SIZE = 24


@login_required
def wishlist_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = wishlist_list_for_buyer(buyer=request.user)
    page = Paginator(items, SAVED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "commerce/saved.html", {"page_obj": page, "query": ""})


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _save_toggled(request: AuthenticatedHttpRequest, product_id: int, *, saved: bool, message: str) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        # htmx swaps the heart in place; without JavaScript the form posts and the page comes back.
        product = product_get_public(product_id=product_id)
        if product is None:
            raise Http404("No such product.")
        context = {"product": product, "saved": saved, "label": request.POST.get("label") == "1"}
        return render(request, "commerce/_save_button.html", context)
    messages.success(request, message)
    return _back(request, "commerce:saved")


@login_required
@require_POST
def wishlist_save_view(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    try:
        item, _ = wishlist_add(buyer=request.user, product_id=product_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back(request, "commerce:saved")
    return _save_toggled(
        request, product_id, saved=True, message=f"“{item.product.title}” is saved. Find it under Saved."
    )


@login_required
@require_POST
def wishlist_remove_view(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    wishlist_remove(buyer=request.user, product_id=product_id)
    return _save_toggled(request, product_id, saved=False, message="Removed from your saved products.")


@login_required
def review_page(request: AuthenticatedHttpRequest, order_id: int, line_id: int) -> HttpResponse:
    """Write, or edit, the review of one line of the buyer's delivered order."""
    order = order_get_for_buyer(buyer=request.user, order_id=order_id)
    line: OrderLine | None = next((line for line in order.lines.all() if line.pk == line_id), None) if order else None
    if order is None or line is None:
        raise Http404("No such order line.")
    if order.status != OrderStatus.DELIVERED:
        messages.info(request, "You can review this once it is delivered.")
        return redirect(order)
    review = getattr(line, "review", None)
    initial = {"rating": review.rating, "seller_rating": review.seller_rating, "text": review.text} if review else None
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if review:
                review_update(author=request.user, review_id=review.pk, **form.cleaned_data)
            else:
                review_create(author=request.user, order_line_id=line.pk, **form.cleaned_data)
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Thank you: your review is published." if not review else "Your review is saved.")
            return redirect(order)
    context = {"order": order, "line": line, "review": review, "form": form}
    return render(request, "commerce/review_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def review_answer_view(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_get_for_reader(reader=request.user, review_id=review_id)
    if review is None:
        raise Http404("No such review.")
    form = ReviewAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write your answer first.")
    else:
        try:
            review_answer(seller=request.user, review_id=review_id, answer=form.cleaned_data["answer"])
        except NotFound as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your answer is published under the review.")
    return redirect(f"{review.product.get_absolute_url()}#review-{review.pk}")
