"""The balance alert settings page of a customer: thresholds, the billing contact, self-resolving."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftersales.core.access import can_write
from aftersales.core.forms import attach_errors
from aftersales.customers.access import get_customer_for_user
from aftersales.sms import incidents
from aftersales.sms.forms_balances import BalanceAlertsForm
from aftersales.sms.models import BalanceAlertSettings, BalanceIncident


@login_required
@require_http_methods(["GET", "POST"])
def balance_alerts(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code, write=request.method == "POST")
    current = BalanceAlertSettings.objects.filter(customer=customer).first()
    form = BalanceAlertsForm(request.POST or None, instance=current, customer=customer)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                incidents.save_alert_settings(
                    customer=customer, actor=request.user, below_amount=data["below_amount"],
                    runway_hours=data["runway_hours"], notify_customer=data["notify_customer"],
                    billing_contact=data["billing_contact"], auto_resolve=data["auto_resolve"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Balance alerts saved for %(name)s.") % {"name": customer.name})
                return redirect("customers:detail", customer.code)
        status = 400
    recent = (
        BalanceIncident.objects.filter(account__customer=customer)
        .select_related("ticket", "account").order_by("-opened_at")[:10]
    )
    return render(
        request,
        "sms/balance_alerts.html",
        {
            "customer": customer,
            "form": form,
            "can_edit": can_write(request.user),
            "default_hours": incidents.default_runway_hours(),
            "incidents": recent,
        },
        status=status,
    )
