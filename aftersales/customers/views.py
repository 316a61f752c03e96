"""Customer pages of the agent UI: list, account page, and the forms writers use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftersales.core.access import require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.core.panels import column_rows, columns_for
from aftersales.customers import actions
from aftersales.customers.access import customers_visible_to, get_customer_for_user
from aftersales.customers.forms import ContactForm, CustomerFilterForm, CustomerForm, customers_in_hierarchy_order
from aftersales.customers.models import Customer

CUSTOMER_COLUMNS = "customer_list"  # extra columns other apps register (core.panels), e.g. open tickets


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = CustomerFilterForm(request.GET)
    queryset = customers_visible_to(request.user)
    if form.is_valid():
        text = form.cleaned_data.get("q", "").strip()
        if text:
            queryset = queryset.filter(
                Q(name__icontains=text) | Q(code__icontains=text)
                | Q(parent__name__icontains=text) | Q(parent__code__icontains=text)
            )
        if form.cleaned_data.get("status"):
            queryset = queryset.filter(status=form.cleaned_data["status"])
    queryset = customers_in_hierarchy_order(queryset).select_related("account_manager__agent_profile")
    paginator = Paginator(queryset, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "customers/list.html", {
        "form": form, "page": page, "paginator": paginator, "section": "customers",
        "columns": columns_for(CUSTOMER_COLUMNS, request.user),
        "rows": column_rows(request, CUSTOMER_COLUMNS, list(page.object_list)),
        "filtered": bool(request.GET.get("q") or request.GET.get("status")),
    })


@login_required
def customer_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The account; other apps' panels (its tickets, …) load into placeholders on their own."""
    customer = get_customer_for_user(request.user, code)
    subaccounts = list(customer.subaccounts.order_by("name"))
    return render(request, "customers/detail.html", {
        "customer": customer,
        "subaccount_columns": columns_for(CUSTOMER_COLUMNS, request.user),
        "subaccounts": column_rows(request, CUSTOMER_COLUMNS, subaccounts),
        "products": list(customer.products.all()),
        "contacts": list(customer.contacts.all()),
        "section": "customers",
    })


def _require_writer(request: HttpRequest) -> None:
    require_staff(request.user)
    require_write(request.user)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    return _customer_form(request, None)


@login_required
def customer_edit(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code, write=True)
    return _customer_form(request, customer)


def _customer_form(request: HttpRequest, customer: Customer | None) -> HttpResponse:
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        products = data.pop("products")
        try:
            saved = actions.save_customer(actor=request.user, customer=customer, products=products, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
            return redirect("customers:detail", code=saved.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/customer_form.html",
                  {"form": form, "customer": customer, "section": "customers"}, status=status)


@login_required
def contact_create(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code, write=True)
    return _contact_form(request, customer, None)


@login_required
def contact_edit(request: HttpRequest, code: str, contact_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, code, write=True)
    contact = get_object_or_404(customer.contacts, pk=contact_id)
    return _contact_form(request, customer, contact)


def _contact_form(request: HttpRequest, customer: Customer, contact: Any) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_contact(actor=request.user, customer=customer, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc, default_field="phone")
        else:
            messages.success(request, _("Saved contact %(name)s.") % {"name": saved.name})
            return redirect("customers:detail", code=customer.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/contact_form.html",
                  {"form": form, "customer": customer, "contact": contact, "section": "customers"}, status=status)
