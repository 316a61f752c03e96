"""The "Vendor cases" panel on the ticket page: the vendor cases this ticket waits on (with their
status and first response), and a link to open a vendor case for it.

Registered from ``SmsConfig.ready()``; tickets never import this module.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import can_write, is_staff_member
from aftersales.core.panels import Panel, register_panel
from aftersales.sms.case_queries import cases_for_ticket
from aftersales.tickets.access import get_ticket_for_user

PANEL_KEY = "sms-vendor-cases"


def ticket_cases(request: HttpRequest, ref: str) -> dict[str, Any]:
    ticket = get_ticket_for_user(request.user, ref)
    return {
        "ticket": ticket,
        "vendor_cases": cases_for_ticket(ticket),
        "can_open_case": can_write(request.user) and ticket.merged_into_id is None,
        "panel_object_label": ticket.ref,
        "panel_back_url": reverse("tickets:detail", args=[ticket.ref]),
    }


def register() -> None:
    register_panel(
        Panel(
            key=PANEL_KEY,
            title=_("Vendor cases"),
            page="ticket",
            order=35,
            template_name="sms/cases/panel.html",
            allowed=is_staff_member,
            context=ticket_cases,
        )
    )
