"""A customer's notice settings: whether a proactive ticket also tells the customer, and how."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftersales.core.access import can_write
from aftersales.core.forms import attach_errors
from aftersales.customers.access import get_customer_for_user
from aftersales.monitoring import notices
from aftersales.monitoring.forms_notices import AlertNoticeForm
from aftersales.monitoring.models import AlertNotice


@login_required
@require_http_methods(["GET", "POST"])
def customer_notice(request: HttpRequest, code: str) -> HttpResponse:
    customer = get_customer_for_user(request.user, code, write=request.method == "POST")
    current = AlertNotice.objects.filter(customer=customer).first()
    form = AlertNoticeForm(request.POST or None, instance=current, customer=customer)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                notices.save(customer=customer, actor=request.user, enabled=data["enabled"],
                             contact=data["contact"], macro=data["macro"], include_fraud=data["include_fraud"])
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Customer notices saved for %(name)s.") % {"name": customer.name})
                return redirect("monitoring:customer_health", customer.code)
        status = 400
    contact = current.contact if current is not None else None
    with translation.override((contact.language if contact is not None else "") or translation.get_language()):
        built_in = notices.default_text()
    return render(request, "monitoring/notices/edit.html", {
        "customer": customer, "form": form, "can_edit": can_write(request.user), "built_in": built_in,
        "variables": notices.VARIABLES, "section": "monitoring_overview",
    }, status=status)
