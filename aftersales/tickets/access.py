"""The one place that decides which tickets a user may see or change."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from aftersales.core.access import is_staff_member, require_write
from aftersales.tickets.models import Ticket


def tickets_visible_to(user: Any) -> QuerySet[Ticket]:
    """Staff see every ticket (the desk is one team); anyone else sees none here."""
    if is_staff_member(user):
        return Ticket.objects.all()
    return Ticket.objects.none()


def get_ticket_for_user(user: Any, ref: str, *, write: bool = False) -> Ticket:
    """Return the ticket ``ref`` if ``user`` may see it (404 otherwise); ``write`` also demands a write role (403)."""
    try:
        ticket = (
            tickets_visible_to(user)
            .select_related(
                "customer__parent", "contact", "category__parent", "owner__agent_profile", "team", "merged_into",
                "root_cause",
            )
            .get(ref=ref.upper())
        )
    except Ticket.DoesNotExist as exc:
        raise Http404("No such ticket") from exc
    if write:
        require_write(user)
    return ticket
