"""Seller pages for stock (adjust, thresholds, history) and CSV product imports with their progress."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tokshop.core.errors import ApplicationError
from tokshop.core.http import AuthenticatedHttpRequest

from .forms import form_add_service_error
from .forms_inventory import ProductImportForm, StockAdjustForm, StockThresholdsForm
from .models import Product, ProductImport
from .selectors_inventory import (
    inventory_history_for_seller,
    product_import_get_for_seller,
    product_import_list_for_seller,
)
from .services.imports import IMPORT_COLUMNS, import_template_csv, product_import_start
from .services.inventory import stock_adjust, stock_thresholds_set
from .views import SELLER_PAGE_SIZE, _own_product_or_404, _query_without_page, seller_required

RECENT_IMPORTS = 5


def _stock_context(
    request: AuthenticatedHttpRequest, product: Product, adjust: StockAdjustForm, thresholds: StockThresholdsForm
) -> dict[str, Any]:
    history = inventory_history_for_seller(seller=request.user, product_id=product.pk)
    page = Paginator(history, SELLER_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "product": product,
        "adjust_form": adjust,
        "thresholds_form": thresholds,
        "page_obj": page,
        "query": _query_without_page(request),
    }


def _thresholds_initial(product: Product) -> dict[str, Any]:
    return {"low_stock_threshold": product.low_stock_threshold, "overstock_threshold": product.overstock_threshold}


@seller_required
def seller_product_stock(request: AuthenticatedHttpRequest, product_id: int) -> HttpResponse:
    product = _own_product_or_404(request, product_id)
    adjust = StockAdjustForm(request.POST if request.POST.get("form") == "adjust" else None)
    thresholds = StockThresholdsForm(
        request.POST if request.POST.get("form") == "thresholds" else None, initial=_thresholds_initial(product)
    )
    if request.method == "POST":
        for form, save, done in (
            (adjust, lambda data: stock_adjust(seller=request.user, product_id=product.pk, **data), "Stock updated."),
            (
                thresholds,
                lambda data: stock_thresholds_set(seller=request.user, product_id=product.pk, **data),
                "Alert thresholds saved.",
            ),
        ):
            if form.is_bound and form.is_valid():
                try:
                    save(form.cleaned_data)
                except ApplicationError as error:
                    form_add_service_error(form, error)
                else:
                    messages.success(request, done)
                    return redirect("commerce:seller_product_stock", product_id=product.pk)
    context = _stock_context(request, product, adjust, thresholds)
    return render(
        request, "commerce/seller_product_stock.html", context, status=400 if request.method == "POST" else 200
    )


@seller_required
def seller_product_import_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProductImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = product_import_start(seller=request.user, upload=form.cleaned_data["file"])
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            return redirect(job)
    context = {
        "form": form,
        "columns": IMPORT_COLUMNS,
        "imports": product_import_list_for_seller(seller=request.user)[:RECENT_IMPORTS],
    }
    return render(
        request, "commerce/seller_product_import.html", context, status=400 if request.method == "POST" else 200
    )


def _own_import_or_404(request: AuthenticatedHttpRequest, import_id: int) -> ProductImport:
    job = product_import_get_for_seller(seller=request.user, import_id=import_id)
    if job is None:
        raise Http404("No such import.")
    return job


@seller_required
@require_GET
def seller_product_import_detail(request: AuthenticatedHttpRequest, import_id: int) -> HttpResponse:
    job = _own_import_or_404(request, import_id)
    return render(request, "commerce/seller_product_import_detail.html", {"job": job})


@seller_required
@require_GET
def seller_product_import_status(request: AuthenticatedHttpRequest, import_id: int) -> HttpResponse:
    # The progress block alone: the detail page polls it until the import is done.
    job = _own_import_or_404(request, import_id)
    return render(request, "commerce/_import_progress.html", {"job": job})


@seller_required
@require_GET
def seller_product_import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(import_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tokshop-products-template.csv"'
    return response
