"""Check-in pages: the list (due and overdue first), logging a check-in, a customer's plan.

Staff read; writers log check-ins; leads and the customer's account manager change plans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.core.access import can_write, is_lead, require_lead, require_staff, require_write
from aftersales.core.forms import attach_errors
from aftersales.core.pagination import CappedPaginator
from aftersales.customers.access import get_customer_for_user
from aftersales.feedback import checkins
from aftersales.feedback.forms_checkins import CheckinFilterForm, CheckinForm, PlanForm
from aftersales.feedback.models import CheckinPlan

PAGE_SIZE = 25


@require_http_methods(["GET"])
@login_required
def checkin_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = CheckinFilterForm(request.GET or None)
    filters = form.filters(request.user) if request.GET else {}
    today = checkins.desk_today()
    paginator = CappedPaginator(checkins.plans(today=today, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for plan in page.object_list:
        plan.days_late = (today - plan.next_due_on).days  # type: ignore[attr-defined]
    without_plan = checkins.customers_without_plan().count()
    return render(
        request,
        "feedback/checkins/list.html",
        {
            "form": form,
            "page": page,
            "paginator": paginator,
            "filtered": bool(filters),
            "today": today,
            "without_plan": without_plan,
            "can_log": can_write(request.user),
            "section": "feedback_checkins",
        },
    )


@require_POST
@login_required
def create_missing_plans(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    created = checkins.create_missing_plans(actor=request.user)
    messages.success(request, _("Created %(count)d check-in plans.") % {"count": created})
    return redirect("feedback:checkins")


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
@login_required
def log_checkin(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code, write=True)
    require_write(request.user)
    form = CheckinForm(request.POST or None)
    back = _next_url(request, customer_url(customer.code))
    if request.method == "POST" and form.is_valid():
        try:
            checkins.log_checkin(
                customer=customer,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                occurred_at=form.cleaned_data["occurred_at"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Check-in with %(customer)s logged.") % {"customer": customer.name})
            return redirect(back)
    plan = CheckinPlan.objects.filter(customer=customer).select_related("owner__agent_profile").first()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "feedback/checkins/log.html",
        {
            "form": form,
            "customer": customer,
            "plan": plan,
            "next": back,
            "recent": checkins.recent_checkins(customer),
            "section": "feedback_checkins",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit_plan(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code)
    if not checkins.can_change_plan(request.user, customer):
        raise PermissionDenied
    plan = CheckinPlan.objects.filter(customer=customer).first()
    initial: dict[str, Any] = (
        {"owner": plan.owner_id, "cadence_days": plan.cadence_days, "active": plan.active}
        if plan is not None
        else {"owner": customer.account_manager_id, "cadence_days": 30, "active": True}
    )
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            checkins.save_plan(
                customer=customer,
                actor=request.user,
                owner=form.cleaned_data["owner"],
                cadence_days=form.cleaned_data["cadence_days"],
                active=form.cleaned_data["active"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Check-in plan for %(customer)s saved.") % {"customer": customer.name})
            return redirect(_next_url(request, customer_url(customer.code)))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "feedback/checkins/plan.html",
        {
            "form": form,
            "customer": customer,
            "plan": plan,
            "section": "feedback_checkins",
            "is_lead": is_lead(request.user),
        },
        status=status,
    )


def customer_url(code: str) -> str:
    from django.urls import reverse

    return reverse("customers:detail", args=[code])
