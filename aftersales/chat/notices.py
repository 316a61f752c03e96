"""Team notices to IM targets: a ticket assigned (a ticket listener, after the commit) and an
SLA target breached (``chat.breach_notices``, a periodic job reading the sweep's notices).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.chat import outbox
from aftersales.chat.models import ImEvent, ImTarget
from aftersales.core import clock
from aftersales.tickets.actions import register_listener
from aftersales.tickets.models import EventKind, SlaLevel, SlaNotice, SlaTarget, Ticket, TicketEvent

logger = logging.getLogger(__name__)

# Breaches the job looks back over (it runs every minute; the window covers a stopped scheduler).
BREACH_WINDOW = dt.timedelta(hours=6)


def targets_for(ticket: Ticket, event: str) -> list[ImTarget]:
    """Active targets subscribed to ``event`` for the ticket's team (or for every team)."""
    team_filter = Q(team__isnull=True)
    if ticket.team_id is not None:
        team_filter |= Q(team_id=ticket.team_id)
    return [target for target in ImTarget.objects.filter(team_filter, is_active=True) if target.wants(event)]


def _name(user: Any) -> str:
    profile = getattr(user, "agent_profile", None)
    return str(profile.display_name if profile and profile.display_name else user.get_username())


def _context(ticket: Ticket) -> str:
    parts = [ticket.subject]
    if ticket.customer is not None:
        parts.append(ticket.customer.name)
    parts.append(f"P{ticket.priority}")
    if ticket.team is not None:
        parts.append(ticket.team.name)
    return " · ".join(parts)


def _someone(ticket: Ticket) -> Any:
    """The person a team notice is recorded against: the owner, the team lead, or a lead."""
    if ticket.owner is not None and ticket.owner.is_active:
        return ticket.owner
    if ticket.team is not None and ticket.team.lead is not None and ticket.team.lead.is_active:
        return ticket.team.lead
    user_model = get_user_model()
    return (
        user_model.objects.filter(groups__name__in=["lead", "admin"], is_active=True).order_by("pk").first()
    )


def notify_assignment(ticket: Ticket) -> int:
    """Tell the team's IM targets who now owns ``ticket``; once per owner change."""
    ticket = Ticket.objects.select_related("owner__agent_profile", "team__lead", "customer").get(pk=ticket.pk)
    owner = ticket.owner
    if owner is None:
        return 0
    event_id = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.OWNER).order_by("-id").values_list("id", flat=True)
    ).first()
    written = 0
    for target in targets_for(ticket, ImEvent.ASSIGNMENT):
        delivery = outbox.queue(
            target,
            event=ImEvent.ASSIGNMENT,
            recipient=owner,
            key=f"assign:{ticket.pk}:{event_id or 0}:{owner.pk}",
            title=lambda: _("%(ref)s assigned to %(owner)s") % {"ref": ticket.ref, "owner": _name(owner)},
            body=lambda: _context(ticket),
            url=reverse("tickets:detail", args=[ticket.ref]),
            ticket_ref=ticket.ref,
        )
        written += delivery is not None
    return written


def on_ticket_change(ticket: Ticket, what: str) -> None:
    """Tell the group chat who took a ticket; tickets imported from old logs are history, not news."""
    if what in ("opened", "assigned") and ticket.owner_id is not None and not ticket.imported:
        notify_assignment(ticket)


def _breach_body(ticket: Ticket) -> str:
    owner = _name(ticket.owner) if ticket.owner is not None else _("nobody")
    return f"{_context(ticket)} · " + _("Owner: %(owner)s") % {"owner": owner}


def _queue_breach(target: ImTarget, notice: SlaNotice, recipient: Any) -> bool:
    ticket = notice.ticket
    label = SlaTarget(notice.target).label
    delivery = outbox.queue(
        target,
        event=ImEvent.BREACH,
        recipient=recipient,
        key=f"breach:{notice.pk}",
        title=lambda: _("%(ref)s: %(target)s target breached") % {"ref": ticket.ref, "target": label},
        body=lambda: _breach_body(ticket),
        url=reverse("tickets:detail", args=[ticket.ref]),
        ticket_ref=ticket.ref,
    )
    return delivery is not None


def notify_breaches(*, now: dt.datetime | None = None) -> int:
    """Write a notice for each recent breach the sweep recorded (idempotent per notice and target)."""
    now = now or clock.now()
    notices = SlaNotice.objects.filter(level=SlaLevel.BREACH, created_at__gte=now - BREACH_WINDOW).select_related(
        "ticket__owner__agent_profile", "ticket__team__lead", "ticket__customer"
    )
    written = 0
    for notice in notices:
        ticket = notice.ticket
        targets = targets_for(ticket, ImEvent.BREACH)
        if not targets:
            continue
        recipient = _someone(ticket)
        if recipient is None:
            continue
        for target in targets:
            written += _queue_breach(target, notice, recipient)
    return written


def register() -> None:
    register_listener(on_ticket_change)
