"""Template helpers for the agent UI: the queue sidebar, timeline sentences, masked phones."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import phonenumbers
from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.access import is_staff_member
from aftersales.customers.forms import agent_label, customer_label
from aftersales.tickets import deadlines
from aftersales.tickets.models import Channel, EventKind, Priority, SlaTarget, Status, TicketEvent
from aftersales.tickets.queries import QUEUE_VIEWS, queue_counts

register = template.Library()


@register.inclusion_tag("tickets/_queue_nav.html", takes_context=True)
def queue_nav(context: template.Context) -> dict[str, Any]:
    """The queue views with their counts (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not is_staff_member(user):
        return {"views": []}
    counts = context.get("queue_counts") or queue_counts(user)
    return {
        "views": [(view.key, view.label, counts.get(view.key, 0)) for view in QUEUE_VIEWS],
        "active": context.get("queue_view") if context.get("queue_page") else None,
    }


@register.filter
def person(user: Any) -> str:
    """An agent's display name ("System" when there is none)."""
    return agent_label(user) if user is not None else _("System")


@register.filter
def account_label(customer: Any) -> str:
    return customer_label(customer) if customer is not None else ""


@register.filter
def masked_phone(phone: str) -> str:
    """+8613800138000 → +86 138****8000: enough to recognise a caller, not to copy the number."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, None)
        country, national = str(number.country_code), phonenumbers.national_significant_number(number)
    except phonenumbers.NumberParseException:
        country, national = "", "".join(ch for ch in phone if ch.isdigit())
    if len(national) <= 7:
        return f"+{country} {'*' * len(national)}".strip() if country else "*" * len(national)
    masked = f"{national[:3]}{'*' * (len(national) - 7)}{national[-4:]}"
    return f"+{country} {masked}" if country else masked


def _status(value: Any) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def _priority(value: Any) -> str:
    try:
        return str(Priority(value).label)
    except ValueError:
        return str(value)


def _category(value: dict[str, Any] | None) -> str:
    if not value:
        return _("none")
    return str(value.get("zh") if (get_language() or "").startswith("zh") else value.get("en")) or value.get("code", "")


def _name(value: dict[str, Any] | None, fallback: str) -> str:
    return str(value.get("name")) if value else fallback


@register.filter
def event_text(event: TicketEvent) -> str:
    """One sentence for a timeline event, in the viewer's language."""
    actor = person(event.actor)
    before, after = event.before or {}, event.after or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        if event.actor is None:
            return _("Ticket opened (%(channel)s)") % {"channel": _channel(after.get("channel"))}
        return _("%(actor)s opened the ticket (%(channel)s)") % {
            "actor": actor, "channel": _channel(after.get("channel"))
        }
    if kind == EventKind.STATUS:
        text = _("%(actor)s changed status from %(old)s to %(new)s") % {
            "actor": actor, "old": _status(before.get("status")), "new": _status(after.get("status"))
        }
        # System reasons are stored in the source language and shown in the reader's.
        return f"{text} ({_(event.reason)})" if event.reason else text
    if kind == EventKind.OWNER:
        new = after.get("owner")
        if new is None:
            text = _("%(actor)s unassigned the ticket") % {"actor": actor}
        elif before.get("owner") is None:
            text = _("%(actor)s assigned the ticket to %(new)s") % {"actor": actor, "new": _name(new, "")}
        else:
            text = _("%(actor)s handed the ticket from %(old)s to %(new)s") % {
                "actor": actor, "old": _name(before.get("owner"), ""), "new": _name(new, "")
            }
        # Routing's reason: a rule's name (shown as typed) or a system reason (translated).
        return f"{text} ({_(event.reason)})" if event.reason else text
    if kind == EventKind.TEAM:
        text = _("%(actor)s moved the ticket to team %(new)s") % {"actor": actor, "new": after.get("team") or _("none")}
        return f"{text} ({_(event.reason)})" if event.reason else text
    if kind == EventKind.CATEGORY:
        return _("%(actor)s changed category from %(old)s to %(new)s") % {
            "actor": actor, "old": _category(before.get("category")), "new": _category(after.get("category"))
        }
    if kind == EventKind.PRIORITY:
        return _("%(actor)s changed priority from %(old)s to %(new)s") % {
            "actor": actor, "old": _priority(before.get("priority")), "new": _priority(after.get("priority"))
        }
    if kind == EventKind.TAGS:
        tags = ", ".join(after.get("tags") or []) or _("none")
        return _("%(actor)s set the tags to %(tags)s") % {"actor": actor, "tags": tags}
    if kind == EventKind.CUSTOMER:
        customer = after.get("customer")
        return _("%(actor)s set the customer to %(customer)s") % {
            "actor": actor, "customer": _name(customer, _("none"))
        }
    if kind == EventKind.SUBJECT:
        return _("%(actor)s changed the subject from “%(old)s” to “%(new)s”") % {
            "actor": actor, "old": before.get("subject", ""), "new": after.get("subject", "")
        }
    if kind == EventKind.MERGED:
        if event.ticket.ref == before.get("source"):
            return _("%(actor)s merged this ticket into %(target)s") % {"actor": actor, "target": after.get("target")}
        return _("%(actor)s merged %(source)s into this ticket") % {"actor": actor, "source": before.get("source")}
    if kind == EventKind.LINKED:
        return _("%(actor)s linked %(other)s") % {"actor": actor, "other": after.get("ticket")}
    if kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACH):
        return _sla_event_text(kind, after)
    return f"{actor}: {event.get_kind_display()}"


def _channel(value: Any) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return str(value or "")


def _sla_event_text(kind: str, after: dict[str, Any]) -> str:
    target = _sla_target(after.get("target"))
    due = after.get("due_at") or ""
    with contextlib.suppress(ValueError):
        due = timezone.localtime(dt.datetime.fromisoformat(due)).strftime("%Y-%m-%d %H:%M")
    if kind == EventKind.SLA_BREACH:
        return _("%(target)s target breached (was due %(due)s)") % {"target": target, "due": due}
    return _("%(target)s due soon: warned the owner (due %(due)s)") % {"target": target, "due": due}


def _sla_target(value: Any) -> str:
    try:
        return str(SlaTarget(value).label)
    except ValueError:
        return str(value or "")


# --- SLA clocks ------------------------------------------------------------------------------
@register.inclusion_tag("tickets/_sla_badge.html")
def sla_badge(ticket: Any) -> dict[str, Any]:
    """The queue's clock: nearest deadline, time left or overdue in business time, coloured."""
    return {"summary": deadlines.summary(ticket, clock.now())}


@register.inclusion_tag("tickets/_sla_panel.html")
def sla_clocks(ticket: Any) -> dict[str, Any]:
    """The ticket page's deadlines: each target's due time and state."""
    return {"ticket": ticket, "rows": deadlines.view_clocks(ticket, clock.now())}


@register.filter
def business_duration(seconds: Any) -> str:
    return deadlines.format_duration(dt.timedelta(seconds=int(seconds or 0)))


@register.filter
def resolution_notes(source: Any) -> dict[str, str]:
    """Resolution notes to show, from a ticket or from a status event's stored ``resolution``
    (whose root cause is kept in both languages and shown in the reader's)."""
    if isinstance(source, dict):
        return {
            "summary": source.get("summary") or "",
            "root_cause": _category(source.get("root_cause")) if source.get("root_cause") else "",
            "underlying_need": source.get("underlying_need") or "",
        }
    cause = getattr(source, "root_cause", None)
    return {
        "summary": getattr(source, "resolution_summary", ""),
        "root_cause": cause.name if cause is not None else "",
        "underlying_need": getattr(source, "underlying_need", ""),
    }
