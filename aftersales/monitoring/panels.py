"""The "Health" panel (core.panels, key "monitoring-health") on the customer and ticket pages: the
customer's firing alerts explained, delivery and conversion over the last 24 hours, and the
customer's probes (巡检) with their state and 24-hour uptime.
Registered from ``MonitoringConfig.ready()``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.access import is_staff_member
from aftersales.core.panels import Panel, register_panel
from aftersales.customers.access import get_customer_for_user
from aftersales.monitoring import queries
from aftersales.monitoring.charts import line_chart
from aftersales.monitoring.models import AlertState, Probe
from aftersales.tickets.access import get_ticket_for_user


def _context(customer: Any) -> dict[str, Any]:
    from aftersales.monitoring.views_alerts import decorate
    from aftersales.monitoring.views_probes import decorate as decorate_probes

    now = clock.now()
    top = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    hours = queries.customer_hours(customer, since=top - dt.timedelta(hours=24))
    buckets = queries.bucketed(hours, start=top - dt.timedelta(hours=24), end=top, step=dt.timedelta(hours=1))
    firing = [decorate(a) for a in queries.filter_alerts(customer=customer.code, state=AlertState.FIRING)[:10]]
    return {
        "customer": customer,
        "firing": firing,
        "delivery": line_chart([(at, c.delivery_rate) for at, c in buckets], unit="%", width=280, height=70),
        "conversion": line_chart([(at, c.conversion) for at, c in buckets], unit="%", width=280, height=70),
        "probes": decorate_probes(list(Probe.objects.filter(customer=customer).order_by("name")[:10]), now=now),
    }


def customer_health(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = get_customer_for_user(request.user, code)
    return {**_context(customer), "panel_object_label": customer.name,
            "panel_back_url": reverse("customers:detail", args=[customer.code])}


def ticket_health(request: HttpRequest, ref: str) -> dict[str, Any]:
    ticket = get_ticket_for_user(request.user, ref)
    if ticket.customer is None:
        return {"customer": None, "panel_object_label": ticket.ref,
                "panel_back_url": reverse("tickets:detail", args=[ticket.ref])}
    return {**_context(ticket.customer), "panel_object_label": ticket.ref,
            "panel_back_url": reverse("tickets:detail", args=[ticket.ref])}


def register() -> None:
    for page, context in (("customer", customer_health), ("ticket", ticket_health)):
        register_panel(Panel(
            key="monitoring-health", title=_("Health"), page=page,  # type: ignore[arg-type]
            order=35, template_name="monitoring/panels/health.html", allowed=is_staff_member, context=context,
        ))
