"""One constructor per timeline event kind (the only code that creates TicketEvent rows)."""

from __future__ import annotations

from typing import Any

from aftersales.core import bulk, clock
from aftersales.tickets.models import EventKind, Ticket, TicketEvent


def _event(
    ticket: Ticket,
    kind: str,
    actor: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
    at: Any = None,
) -> TicketEvent:
    event = build(ticket, kind, actor, before, after, reason, at)
    event.save(force_insert=True)
    return event


def build(
    ticket: Ticket,
    kind: str,
    actor: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
    at: Any = None,
) -> TicketEvent:
    """The event, unsaved: for ``tickets.actions.import_tickets``, which writes a batch's events in one INSERT."""
    return bulk.new(
        TicketEvent,
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at or clock.now(),
        before=before,
        after=after,
        reason=reason,
    )


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    profile = getattr(user, "agent_profile", None)
    return {"id": user.pk, "name": profile.display_name if profile else user.get_username()}


def created(ticket: Ticket, actor: Any) -> TicketEvent:
    return _event(
        ticket, EventKind.CREATED, actor, {}, {"channel": ticket.channel, "status": ticket.status}, at=ticket.created_at
    )


def resolution_ref(ticket: Ticket) -> dict[str, Any]:
    """The resolution notes as kept on a status event (the cause in both languages, like categories)."""
    cause = ticket.root_cause
    return {
        "summary": ticket.resolution_summary,
        "root_cause": {"code": cause.code, "en": cause.name_en, "zh": cause.name_zh} if cause else None,
        "underlying_need": ticket.underlying_need,
    }


def status_changed(
    ticket: Ticket, actor: Any, old: str, new: str, reason: str = "", resolution: dict[str, Any] | None = None
) -> TicketEvent:
    event = status_event(ticket, actor, old, new, reason, resolution=resolution)
    event.save(force_insert=True)
    return event


def status_event(
    ticket: Ticket,
    actor: Any,
    old: str,
    new: str,
    reason: str = "",
    resolution: dict[str, Any] | None = None,
    at: Any = None,
) -> TicketEvent:
    """The status event, unsaved (see :func:`build`)."""
    after: dict[str, Any] = {"status": new}
    if resolution is not None:
        after["resolution"] = resolution
    return build(ticket, EventKind.STATUS, actor, {"status": old}, after, reason, at)


def created_event(ticket: Ticket, actor: Any) -> TicketEvent:
    """The "created" event, unsaved (see :func:`build`)."""
    return build(
        ticket, EventKind.CREATED, actor, {}, {"channel": ticket.channel, "status": ticket.status}, at=ticket.created_at
    )


def owner_changed(ticket: Ticket, actor: Any, old: Any, new: Any, reason: str = "") -> TicketEvent:
    """``reason`` says why: a routing rule's name, or a system reason in the source language."""
    return _event(ticket, EventKind.OWNER, actor, {"owner": user_ref(old)}, {"owner": user_ref(new)}, reason)


def team_changed(ticket: Ticket, actor: Any, old: Any, new: Any, reason: str = "") -> TicketEvent:
    return _event(
        ticket, EventKind.TEAM, actor, {"team": old.name if old else None}, {"team": new.name if new else None}, reason
    )


def category_changed(ticket: Ticket, actor: Any, old: Any, new: Any) -> TicketEvent:
    def ref(category: Any) -> dict[str, Any] | None:
        return {"code": category.code, "en": category.name_en, "zh": category.name_zh} if category else None

    return _event(ticket, EventKind.CATEGORY, actor, {"category": ref(old)}, {"category": ref(new)})


def priority_changed(ticket: Ticket, actor: Any, old: int, new: int, reason: str = "") -> TicketEvent:
    return _event(ticket, EventKind.PRIORITY, actor, {"priority": old}, {"priority": new}, reason)


def tags_changed(ticket: Ticket, actor: Any, old: list[str], new: list[str]) -> TicketEvent:
    return _event(ticket, EventKind.TAGS, actor, {"tags": old}, {"tags": new})


def customer_set(ticket: Ticket, actor: Any, old: Any, new: Any) -> TicketEvent:
    def ref(customer: Any) -> dict[str, Any] | None:
        return {"code": customer.code, "name": customer.name} if customer else None

    return _event(ticket, EventKind.CUSTOMER, actor, {"customer": ref(old)}, {"customer": ref(new)})


def subject_changed(ticket: Ticket, actor: Any, old: str, new: str) -> TicketEvent:
    return _event(ticket, EventKind.SUBJECT, actor, {"subject": old}, {"subject": new})


def merged(ticket: Ticket, actor: Any, *, source: Ticket, target: Ticket) -> TicketEvent:
    return _event(ticket, EventKind.MERGED, actor, {"source": source.ref}, {"target": target.ref})


def linked(ticket: Ticket, actor: Any, other: Ticket) -> TicketEvent:
    return _event(ticket, EventKind.LINKED, actor, {}, {"ticket": other.ref})


def sla_warning(ticket: Ticket, *, target: str, due_at: Any, at: Any = None) -> TicketEvent:
    """The sweep warned the owner that ``target`` is due soon (system event, no actor)."""
    return _event(ticket, EventKind.SLA_WARNING, None, {}, {"target": target, "due_at": due_at.isoformat()}, at=at)


def sla_breach(ticket: Ticket, *, target: str, due_at: Any, at: Any = None) -> TicketEvent:
    """``target`` passed its deadline without being met (system event, no actor)."""
    return _event(ticket, EventKind.SLA_BREACH, None, {}, {"target": target, "due_at": due_at.isoformat()}, at=at)
