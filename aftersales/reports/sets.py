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

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
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
        TicketSet("rated", _("resolved and rated by the customer"),
                  lambda s: _resolved(s) & Q(csat__rating__isnull=False)),
        TicketSet("rated_low", _("resolved and rated 1 or 2"), lambda s: _resolved(s) & Q(csat__rating__lte=2)),
        TicketSet("rated_satisfied", _("resolved and rated 4 or 5"), lambda s: _resolved(s) & Q(csat__rating__gte=4)),
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


# --- Filters that narrow a set but are not a ticket column to group by -------------------------
# Backlog age at the period's end (or now, for a period that has not ended): bucket -> (min, max) days.
AGE_BUCKETS: dict[str, tuple[int, int | None]] = {
    "lt1": (0, 1),
    "1to3": (1, 3),
    "3to7": (3, 7),
    "7to30": (7, 30),
    "gt30": (30, None),
}


def age_reference(scope: Scope) -> dt.datetime:
    """The instant a backlog's age is measured at: the period's end, or now while it runs."""
    return min(scope.period.end_at, clock.now())


def age_q(scope: Scope, bucket: str) -> Q:
    """Tickets at least ``low`` and less than ``high`` days old at ``age_reference``."""
    try:
        low, high = AGE_BUCKETS[bucket]
    except KeyError:
        raise ValueError(bucket) from None
    at = age_reference(scope)
    q = Q(created_at__lte=at - dt.timedelta(days=low))
    if high is not None:
        q &= Q(created_at__gt=at - dt.timedelta(days=high))
    return q


def _article_q(scope: Scope, value: str) -> Q:
    """Solved with the knowledge article ``value`` (one "solved with" row per ticket and article)."""
    return Q(knowledge_solutions__article_id=int(value))


def _subject_q(scope: Scope, value: str) -> Q:
    """The same subject, ignoring case (the recurring-problem grouping)."""
    return Q(subject__iexact=value)


FILTERS: dict[str, Callable[[Scope, str], Q]] = {
    "age": lambda scope, value: age_q(scope, value),
    "article": _article_q,
    "subject": _subject_q,
}


class UnknownSet(ValueError):
    pass


def tickets(scope: Scope, key: str, **dims: Any) -> QuerySet[Ticket]:
    try:
        ticket_set = SETS[key]
    except KeyError:
        raise UnknownSet(key) from None
    return _narrow(scope, scope.tickets().filter(ticket_set.q(scope)), dims)


def _narrow(scope: Scope, qs: QuerySet[Ticket], dims: dict[str, Any]) -> QuerySet[Ticket]:
    for name, value in dims.items():
        if name in FILTERS:
            qs = qs.filter(FILTERS[name](scope, str(value)))
            continue
        field = DIMENSIONS[name]
        qs = qs.filter(**{f"{field}__isnull": True}) if value is None or value == NONE else qs.filter(**{field: value})
    return qs


def parts(scope: Scope, key: str, **dims: Any) -> list[QuerySet[Ticket]]:
    """``tickets(scope, key, **dims)`` as disjoint querysets whose union is exactly that set, each
    one a scan an index answers. "Open at the period's end" is the tickets still open (a small
    partial index) plus those resolved after the end (the resolved-at index): one ``OR`` over both
    would read the table. Counts add up over the parts; every other set is its own single part."""
    if key != "open_at_end":
        return [tickets(scope, key, **dims)]
    end = scope.period.end_at
    return [_narrow(scope, scope.tickets().filter(created_at__lt=end, resolved_at__isnull=True), dims),
            _narrow(scope, scope.tickets().filter(created_at__lt=end, resolved_at__gte=end), dims)]


def dims_from(params: Any) -> dict[str, str]:
    """The dimension filters in a query dict (unknown names are ignored)."""
    return {name: params.get(name) for name in (*DIMENSIONS, *FILTERS) if params.get(name) not in (None, "")}


def link(scope: Scope, key: str, **dims: Any) -> str:
    """The URL of the list behind a number: ``/reports/tickets/?set=…&period=…&category=…``."""
    params = {"set": key, **scope.params()}
    for name, value in dims.items():
        assert name in DIMENSIONS or name in FILTERS, name
        params[name] = NONE if value is None else str(value)
    return f"{_list_url(get_script_prefix())}?{urlencode(params)}"


@functools.lru_cache(maxsize=8)
def _list_url(prefix: str) -> str:
    """The tickets list's path (a page links hundreds of numbers to it: resolved once per prefix)."""
    return reverse("reports:tickets")


# --- Appended by the review report ------------------------------------------------------------
# A proactive ticket came "before the customer reported" when no ticket of the same customer was
# opened by the customer (any channel but monitoring) in the hours before it (merged duplicates
# count: the customer did report).
PROACTIVE_LOOKBACK_HOURS = 24


def _proactive_first(scope: Scope) -> Q:
    import datetime as dt

    from django.db.models import Exists, OuterRef

    reported = Ticket.objects.filter(
        customer_id=OuterRef("customer_id"),
        created_at__lte=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - dt.timedelta(hours=PROACTIVE_LOOKBACK_HOURS),
    ).exclude(channel="monitoring")
    return _created(scope) & Q(channel="monitoring") & Q(~Exists(reported))


for _extra in (
    TicketSet("proactive_first", _("opened by early warning before the customer reported"), _proactive_first),
):
    SETS[_extra.key] = _extra
