"""Named sets of tickets: the one definition behind every number of the dashboards and the
review, and behind the list a number links to.

A figure is computed from ``tickets(scope, key, **dims)`` (a count, a median over it, a
breakdown by a dimension) and links to ``link(scope, key, **dims)``, which lists exactly that
queryset. Because both come from the same ``Q``, the number and the list cannot disagree —
the review's test follows every link to prove it.

Dimensions narrow a set to one group of a breakdown (``category=12``, ``channel=email``,
``owner=none`` for "no owner").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.reports.scope import Scope
from aftersales.tickets.models import Ticket


@dataclass(frozen=True)
class TicketSet:
    key: str
    label: str | Promise
    q: Callable[[Scope], Q]


def _created(scope: Scope) -> Q:
    return Q(created_at__gte=scope.period.start_at, created_at__lt=scope.period.end_at)


def _resolved(scope: Scope) -> Q:
    return Q(resolved_at__gte=scope.period.start_at, resolved_at__lt=scope.period.end_at)


def _open_at_end(scope: Scope) -> Q:
    """Created before the period's end and not resolved before it (today: the open backlog)."""
    end = scope.period.end_at
    return Q(created_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))


def _with_clocks(scope: Scope) -> Q:
    return _created(scope) & Q(sla_policy__isnull=False, imported=False)


_BREACHED = Q(first_response_breached=True) | Q(next_response_breached=True) | Q(resolution_breached=True)

SETS: dict[str, TicketSet] = {
    s.key: s
    for s in (
        TicketSet("created", _("tickets opened"), _created),
        TicketSet("resolved", _("tickets resolved"), _resolved),
        TicketSet("open_at_end", _("open at the end of the period"), _open_at_end),
        TicketSet("proactive", _("opened by early warning"), lambda s: _created(s) & Q(channel="monitoring")),
        TicketSet("first_response", _("answered (first response time)"),
                  lambda s: _created(s) & Q(first_response_seconds__isnull=False)),
        TicketSet("resolution", _("resolved with a resolution time"),
                  lambda s: _resolved(s) & Q(resolution_seconds__isnull=False)),
        TicketSet("with_sla", _("opened with SLA deadlines"), _with_clocks),
        TicketSet("breached", _("opened in the period and breached a deadline"), lambda s: _with_clocks(s) & _BREACHED),
        TicketSet("breached_first_response", _("first response late"),
                  lambda s: _with_clocks(s) & Q(first_response_breached=True)),
        TicketSet("breached_resolution", _("resolution late"), lambda s: _with_clocks(s) & Q(resolution_breached=True)),
        TicketSet("reopened", _("resolved and reopened at least once"), lambda s: _resolved(s) & Q(reopen_count__gt=0)),
        TicketSet("waited_vendor", _("resolved after waiting on the vendor"),
                  lambda s: _resolved(s) & Q(seconds_waiting_vendor__gt=0)),
        TicketSet("imported", _("imported from old logs"), lambda s: _created(s) & Q(imported=True)),
    )
}

# Breakdown dimensions: URL parameter -> ticket field. "none" selects the empty group.
DIMENSIONS: dict[str, str] = {
    "category": "category_id",
    "customer_id": "customer_id",
    "owner": "owner_id",
    "channel": "channel",
    "priority": "priority",
    "root_cause": "root_cause_id",
    "status": "status",
}
NONE = "none"


class UnknownSet(ValueError):
    pass


def tickets(scope: Scope, key: str, **dims: Any) -> QuerySet[Ticket]:
    try:
        ticket_set = SETS[key]
    except KeyError:
        raise UnknownSet(key) from None
    qs = scope.tickets().filter(ticket_set.q(scope))
    for name, value in dims.items():
        field = DIMENSIONS[name]
        qs = qs.filter(**{f"{field}__isnull": True}) if value is None or value == NONE else qs.filter(**{field: value})
    return qs


def dims_from(params: Any) -> dict[str, str]:
    """The dimension filters in a query dict (unknown names are ignored)."""
    return {name: params.get(name) for name in DIMENSIONS if params.get(name) not in (None, "")}


def link(scope: Scope, key: str, **dims: Any) -> str:
    """The URL of the list behind a number: ``/reports/tickets/?set=…&period=…&category=…``."""
    params = {"set": key, **scope.params()}
    for name, value in dims.items():
        assert name in DIMENSIONS, name
        params[name] = NONE if value is None else str(value)
    return f"{reverse('reports:tickets')}?{urlencode(params)}"
