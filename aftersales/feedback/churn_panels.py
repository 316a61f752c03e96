"""Where churn risk shows in the desk: the "Churn risk" panel on the customer page (the score, its
level and the reasons; a master account's figures include its sub-accounts') and the sidebar link
to "Customers at risk". Registered from ``FeedbackConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.access import is_staff_member
from aftersales.core.panels import Panel, register_panel, register_sidebar
from aftersales.customers.access import get_customer_for_user
from aftersales.customers.models import Customer
from aftersales.feedback import churn

PANEL_KEY = "feedback-churn"


def customer_churn(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    [risk] = churn.assess(now=clock.now(), customers=Customer.objects.filter(pk=customer.pk))
    return {
        "customer": customer,
        "risk": risk,
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def register() -> None:
    register_panel(
        Panel(
            key=PANEL_KEY,
            title=_("Churn risk"),
            page="customer",
            order=29,
            template_name="feedback/churn/panel.html",
            allowed=is_staff_member,
            context=customer_churn,
        )
    )
    register_sidebar("feedback/_sidebar_churn.html", order=62)
