"""Where CSAT shows in the desk: the "Satisfaction" panel on the ticket page, two columns on the
workload page (each owner's figures over 30 and 90 days), and the sidebar link.
Registered from ``feedback.csat.register()``; tickets never import this module."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.access import is_staff_member
from aftersales.core.panels import Column, Panel, register_column, register_panel, register_sidebar
from aftersales.feedback import csat
from aftersales.feedback.csat_queries import owner_figures
from aftersales.feedback.models.csat import CsatRequest
from aftersales.tickets.access import get_ticket_for_user

PANEL_KEY = "feedback-csat"
WORKLOAD = "workload"


def ticket_csat(request: HttpRequest, ref: str) -> dict[str, Any]:
    ticket = get_ticket_for_user(request.user, ref)
    found = CsatRequest.objects.select_related("contact", "followup_ticket").filter(ticket=ticket).first()
    return {
        "ticket": ticket,
        "csat": found,
        "csat_can_change": found is not None and csat.can_change(found),
        "panel_object_label": ticket.ref,
        "panel_back_url": reverse("tickets:detail", args=[ticket.ref]),
    }


def _workload_values(days: int) -> Any:
    def values(request: HttpRequest, users: list[Any]) -> dict[int, Any]:
        # Both columns come from one grouped query, kept on the request for the second column.
        ids = [user.pk for user in users]
        cached = getattr(request, "_csat_owner_figures", None)
        if cached is None or cached[0] != ids:
            cached = (ids, owner_figures(ids))
            request._csat_owner_figures = cached  # type: ignore[attr-defined]
        return {pk: figures[days] for pk, figures in cached[1].items()}

    return values


def register() -> None:
    register_panel(
        Panel(
            key=PANEL_KEY,
            title=_("Satisfaction"),
            page="ticket",
            order=40,
            template_name="feedback/csat/panel.html",
            allowed=is_staff_member,
            context=ticket_csat,
        )
    )
    register_column(
        Column(
            key="csat-30", title=_("CSAT 30 days"), page=WORKLOAD, values=_workload_values(30), default="–", order=50
        )
    )
    register_column(
        Column(
            key="csat-90", title=_("CSAT 90 days"), page=WORKLOAD, values=_workload_values(90), default="–", order=51
        )
    )
    register_sidebar("feedback/_sidebar_csat.html", order=60)
