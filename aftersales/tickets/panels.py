"""What tickets adds to other apps' pages (core.panels): the customer page's "Tickets" panel,
the customer list's open-ticket column and the queue views in the sidebar.

Registered from ``TicketsConfig.ready()``; customers never imports this module.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_staff_member
from aftersales.core.panels import Column, Panel, register_column, register_panel, register_sidebar
from aftersales.customers.access import get_customer_for_user
from aftersales.tickets.access import tickets_visible_to
from aftersales.tickets.models import OPEN_STATUSES

RECENT_TICKETS = 25


def customer_tickets(request: HttpRequest, code: str) -> dict[str, Any]:
    """The latest tickets of an account and its sub-accounts, with open and total counts (3 queries)."""
    customer = get_customer_for_user(request.user, code)
    tickets = tickets_visible_to(request.user).filter(Q(customer=customer) | Q(customer__parent=customer))
    totals = tickets.aggregate(total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    recent = list(
        tickets.select_related("customer", "owner__agent_profile").order_by("-updated_at", "-pk")[:RECENT_TICKETS]
    )
    return {
        "customer": customer,
        "tickets": recent,
        "ticket_total": totals["total"] or 0,
        "ticket_open": totals["open"] or 0,
        "show_account": any(ticket.customer_id != customer.pk for ticket in recent),
        "panel_object_label": customer.name,
        "panel_back_url": reverse("customers:detail", args=[customer.code]),
    }


def open_ticket_counts(request: HttpRequest, customers: list[Any]) -> dict[Any, int]:
    """Open tickets per customer row (each account's own tickets), one query for the whole page."""
    rows = (
        tickets_visible_to(request.user)
        .filter(customer__in=[customer.pk for customer in customers], status__in=OPEN_STATUSES)
        .values("customer")
        .annotate(n=Count("pk"))
        .values_list("customer", "n")
    )
    return dict(rows)


def register() -> None:
    register_panel(Panel(
        key="tickets", title=_("Tickets"), page="customer", order=10,
        template_name="tickets/panels/customer_tickets.html",
        allowed=is_staff_member, context=customer_tickets,
    ))
    register_column(Column(
        key="open_tickets", title=_("Open tickets"), page="customer_list", order=10,
        values=open_ticket_counts, allowed=is_staff_member, default=0,
    ))
    register_sidebar("tickets/_sidebar.html", order=10)
