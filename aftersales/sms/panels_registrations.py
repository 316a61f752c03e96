"""The "Sender-ID registrations" panel on the customer page: the customer's registrations (and
its sub-accounts'), open ones first, overdue ones marked. Registered from ``SmsConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.access import can_write, is_staff_member
from aftersales.core.panels import Panel, register_panel
from aftersales.customers.access import get_customer_for_user
from aftersales.sms.models import SenderIdRegistration
from aftersales.sms.models.registrations import FINAL_STATUSES
from aftersales.sms.registrations import is_overdue

PANEL_LIMIT = 10


def customer_registrations(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    now = clock.now()
    queryset = (
        SenderIdRegistration.objects.filter(Q(customer=customer) | Q(customer__parent=customer))
        .annotate(
            final=Case(When(status__in=FINAL_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .select_related("customer")
        .order_by("final", "due_at", "-updated_at", "-pk")
    )
    rows = list(queryset[: PANEL_LIMIT + 1])
    total = queryset.count() if len(rows) > PANEL_LIMIT else len(rows)
    return {
        "customer": customer,
        "registrations": [(registration, is_overdue(registration, now)) for registration in rows[:PANEL_LIMIT]],
        "more": len(rows) > PANEL_LIMIT,
        "total": total,
        "can_write": can_write(request.user),
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def register() -> None:
    register_panel(
        Panel(
            key="sms-registrations",
            title=_("Sender-ID registrations"),
            page="customer",
            order=35,
            template_name="sms/registrations/panel.html",
            allowed=is_staff_member,
            context=customer_registrations,
        )
    )
