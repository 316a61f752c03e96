"""The numbers pages: every number the customers hold, with webhook problems first in mind; forms
to add, edit and release numbers entered by hand. Thin: access → form → ``sms.numbers`` → response."""

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
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core.access import require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.customers.access import customers_visible_to
from aftersales.sms import numbers as actions
from aftersales.sms.forms_numbers import NumberFilterForm, NumberForm
from aftersales.sms.models import PhoneNumber, VendorAccount


@login_required
def number_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = NumberFilterForm(request.GET)
    visible = actions.numbers_visible_to(request.user)
    queryset = visible
    status = ""
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        if data["customer"]:
            queryset = queryset.filter(Q(customer__code=data["customer"]) | Q(customer__parent__code=data["customer"]))
        if data["country"]:
            queryset = queryset.filter(country=data["country"])
        if data["problems"]:
            queryset = actions.with_problems(queryset)
    if status == "all":
        pass
    elif status:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(actions.HELD)
    queryset = queryset.select_related("customer__parent", "account").order_by("customer__name", "country", "msisdn")
    paginator = Paginator(queryset, settings.QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    filtered = any(request.GET.get(key) for key in ("customer", "country", "status", "problems"))
    return render(
        request,
        "sms/numbers/list.html",
        {
            "form": form,
            "page": page,
            "paginator": paginator,
            "filtered": filtered,
            "problem_count": actions.with_problems(visible).count(),
            # "Sync now" for the vendor accounts of the customer shown (when one is).
            "accounts": _accounts_of(form),
            "section": "sms_numbers",
        },
    )


def _accounts_of(form: NumberFilterForm) -> list[VendorAccount]:
    code = form.cleaned_data.get("customer") if form.is_valid() else ""
    if not code:
        return []
    return list(VendorAccount.objects.filter(active=True, parent__isnull=True, customer__code=code))


def _customer_initial(request: HttpRequest) -> Any:
    code = request.GET.get("customer")
    if not code:
        return None
    return customers_visible_to(request.user).filter(code=code).first()


@login_required
def number_create(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    require_write(request.user)
    customer = _customer_initial(request)
    form = NumberForm(request.POST or None, initial={"customer": customer} if customer else None)
    if request.method == "POST" and form.is_valid():
        try:
            number = actions.add_number(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Added %(number)s for %(customer)s.") % {"number": str(number), "customer": number.customer.name},
            )
            return redirect(f"{_list_url()}?customer={number.customer.code}")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "sms/numbers/form.html", {"form": form, "number": None, "section": "sms_numbers"}, status=status
    )


def _list_url() -> str:
    return reverse("sms:numbers")


def _initial(number: PhoneNumber) -> dict[str, Any]:
    return {
        "customer": number.customer,
        "msisdn": f"+{number.msisdn}" if number.type != PhoneNumber.Type.SHORT_CODE else number.msisdn,
        "type": number.type,
        "country": number.country,
        "features": list(number.features or []),
        "inbound_webhook_url": number.inbound_webhook_url,
        "monthly_cost": number.monthly_cost,
        "currency": number.currency,
        "status": number.status,
        "bought_at": number.bought_at,
    }


@login_required
def number_edit(request: HttpRequest, number_id: int) -> HttpResponse:
    number = actions.get_number_for_user(request.user, number_id, write=True)
    vendor = number.source == PhoneNumber.Source.VENDOR
    if number.status == PhoneNumber.Status.RELEASED:  # (e.g. the browser's Back after releasing it)
        messages.warning(request, _("This number was released; add it again to hold it anew."))
        return redirect(f"{_list_url()}?customer={number.customer.code}")
    form = NumberForm(request.POST or None, initial=_initial(number), vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_number(actor=request.user, number=number, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved %(number)s.") % {"number": str(number)})
            return redirect(f"{_list_url()}?customer={number.customer.code}")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "sms/numbers/form.html", {"form": form, "number": number, "section": "sms_numbers"}, status=status
    )


@login_required
@require_POST
def number_release(request: HttpRequest, number_id: int) -> HttpResponse:
    number = actions.get_number_for_user(request.user, number_id, write=True)
    try:
        actions.release_number(actor=request.user, number=number)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("sms:number_edit", number_id=number.pk)
    messages.success(request, _("Released %(number)s.") % {"number": str(number)})
    return redirect(f"{_list_url()}?customer={number.customer.code}")


@login_required
@require_POST
def number_sync(request: HttpRequest, account_id: int) -> HttpResponse:
    """Sync one vendor account's numbers now (the daily job does it anyway)."""
    require_staff(request.user)
    require_write(request.user)
    account = get_object_or_404(VendorAccount.objects.select_related("customer"), pk=account_id)
    result = actions.sync_numbers(account=account, actor=request.user)
    if not result.ok:
        messages.error(
            request,
            _("The numbers of %(account)s could not be synced: %(reason)s")
            % {"account": account.name, "reason": result.message},
        )
    else:
        messages.success(
            request,
            _("Synced %(account)s. Listed: %(listed)s; new: %(created)s; changed: %(updated)s; released: %(released)s.")
            % {
                "account": account.name,
                "listed": result.listed,
                "created": len(result.created),
                "updated": len(result.updated),
                "released": len(result.released),
            },
        )
        if result.skipped:
            messages.warning(
                request,
                _(
                    "Left alone because they were entered by hand: %(numbers)s. Release those entries to let the sync "
                    "take them over."
                )
                % {"numbers": ", ".join(f"+{n}" for n in sorted(result.skipped))},
            )
    return redirect(f"{_list_url()}?customer={account.customer.code}")
