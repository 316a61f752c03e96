"""The "Numbers" panel on the customer page: the numbers the customer (and its sub-accounts) hold,
with a visible warning for each inbound webhook that is missing or does not answer.

Registered from ``SmsConfig.ready()`` (customer page only); customers never import this module.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_staff_member
from aftersales.core.panels import Panel, register_panel
from aftersales.customers.access import get_customer_for_user
from aftersales.sms.models import PhoneNumber
from aftersales.sms.numbers import HELD, PROBLEM_STATES

# A customer with more numbers than this gets the first ones and a link to the whole list.
PANEL_LIMIT = 20


def customer_numbers(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    held = (
        PhoneNumber.objects.filter(HELD)
        .filter(Q(customer=customer) | Q(customer__parent=customer))
        .select_related("customer")
    )
    numbers = list(held.order_by("country", "msisdn")[: PANEL_LIMIT + 1])
    problems = [n for n in numbers if n.webhook_state in PROBLEM_STATES and n.receives_sms]
    return {
        "customer": customer,
        "numbers": numbers[:PANEL_LIMIT],
        "more": len(numbers) > PANEL_LIMIT,
        "total": held.count() if len(numbers) > PANEL_LIMIT else len(numbers),
        "problem_count": held.filter(webhook_state__in=PROBLEM_STATES).count()
        if len(numbers) > PANEL_LIMIT
        else len(problems),
        "numbers_url": f"{reverse('sms:numbers')}?customer={customer.code}",
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def register() -> None:
    register_panel(
        Panel(
            key="sms-numbers",
            title=_("Numbers"),
            page="customer",
            order=35,
            template_name="sms/panels/numbers.html",
            allowed=is_staff_member,
            context=customer_numbers,
        )
    )
