"""The "Personal data" panel on the customer page, for admins: export the customer's data, erase it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_admin
from aftersales.core.panels import Panel, register_panel
from aftersales.customers.access import get_customer_for_user

PANEL_KEY = "privacy"


def customer_privacy(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    return {
        "customer": customer,
        "subaccount_count": customer.subaccounts.count(),
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def register() -> None:
    register_panel(Panel(
        key=PANEL_KEY,
        title=_("Personal data"),
        page="customer",
        order=200,  # last: rarely used, and never by accident
        template_name="privacy/panel.html",
        allowed=is_admin,
        context=customer_privacy,
    ))
