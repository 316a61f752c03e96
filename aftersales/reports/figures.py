"""The figures of the dashboards and the review, each computed in the database from a named
ticket set (``sets``) and carrying the link to the list it counted.

Every function takes a ``Scope`` and runs a fixed number of grouped queries, whatever the
number of tickets. Rows of a breakdown are keyed by the dimension's raw value (a category id,
a channel code, ``None`` for "no category") and labelled with one more query (``labels``).

A ``Figure`` is a number with its provenance: ``count`` tickets behind ``link``. For a count,
``value == count``; for a median, ``value`` is the median and ``count`` the tickets it was taken
over. Templates print ``value`` and link it to ``link``; the review's test follows every link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from aftersales.customers.forms import agent_label
from aftersales.customers.models import Customer
from aftersales.reports import sets, stats
from aftersales.reports.periods import desk_timezone
from aftersales.reports.scope import Scope
from aftersales.tickets.models import Category, Channel, Priority, RootCause, Status


@dataclass(frozen=True)
class Figure:
    value: float | int | None
    count: int
    link: str

    @property
    def is_empty(self) -> bool:
        return self.count == 0


def count_of(scope: Scope, key: str, **dims: Any) -> Figure:
    n = sets.tickets(scope, key, **dims).count()
    return Figure(n, n, sets.link(scope, key, **dims))


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage (None when there is nothing to divide)."""
    return round(100.0 * part / whole, 1) if whole else None


# --- Volume ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Volume:
    created: Figure
    resolved: Figure
    open_at_end: Figure
    proactive: Figure
    imported: Figure


def volume(scope: Scope) -> Volume:
    """Tickets in and out, the backlog at the period's end, proactive and imported tickets (1 query)."""
    base = scope.tickets()
    q = {key: sets.SETS[key].q(scope) for key in ("created", "resolved", "open_at_end", "proactive", "imported")}
    found = base.aggregate(**{key: Count("pk", filter=cond) for key, cond in q.items()})
    return Volume(**{key: Figure(found[key], found[key], sets.link(scope, key)) for key in q})


def daily_flow(scope: Scope) -> list[tuple[dt.date, int, int]]:
    """``(day, opened, resolved)`` for every day of the period (2 grouped queries), zeros included."""
    tz = desk_timezone()
    opened = dict(
        sets.tickets(scope, "created").annotate(day=TruncDate("created_at", tzinfo=tz))
        .order_by().values_list("day").annotate(n=Count("pk")).values_list("day", "n")
    )
    resolved = dict(
        sets.tickets(scope, "resolved").annotate(day=TruncDate("resolved_at", tzinfo=tz))
        .order_by().values_list("day").annotate(n=Count("pk")).values_list("day", "n")
    )
    days = [scope.period.start + dt.timedelta(days=i) for i in range(scope.period.days)]
    return [(day, opened.get(day, 0), resolved.get(day, 0)) for day in days]


# --- Response and resolution times --------------------------------------------------------
@dataclass(frozen=True)
class TimeRow:
    key: Any
    label: str
    first_response: Figure  # value: median business seconds
    first_response_p90: float | None
    resolution: Figure
    resolution_p90: float | None


def times(scope: Scope, dimension: str | None = None) -> list[TimeRow]:
    """Median and p90 first-response and resolution times (business seconds), overall or per group.

    First response over tickets opened in the period, resolution over tickets resolved in it."""
    field_name = sets.DIMENSIONS[dimension] if dimension else None
    fr = stats.percentiles(sets.tickets(scope, "first_response"), "first_response_seconds", field_name)
    res = stats.percentiles(sets.tickets(scope, "resolution"), "resolution_seconds", field_name)
    keys = list(dict.fromkeys([*fr, *res]))
    names = labels(dimension, keys) if dimension else {stats.ALL: _("All tickets")}
    rows = []
    for key in keys:
        dims = {dimension: key} if dimension else {}
        a, b = fr.get(key, stats.EMPTY), res.get(key, stats.EMPTY)
        rows.append(TimeRow(
            key, names.get(key, str(key)),
            Figure(a.median, a.count, sets.link(scope, "first_response", **dims)), a.p90,
            Figure(b.median, b.count, sets.link(scope, "resolution", **dims)), b.p90,
        ))
    rows.sort(key=lambda row: -(row.first_response.count + row.resolution.count))
    return rows


def overall_times(scope: Scope) -> TimeRow:
    found = times(scope)
    if found:
        return found[0]
    return TimeRow(stats.ALL, _("All tickets"), Figure(None, 0, sets.link(scope, "first_response")), None,
                   Figure(None, 0, sets.link(scope, "resolution")), None)


# --- SLA compliance ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SlaRow:
    key: Any
    label: str
    with_sla: Figure
    breached: Figure
    first_response_late: Figure
    resolution_late: Figure

    @property
    def compliance(self) -> float | None:
        """Share of tickets with deadlines that breached none."""
        if not self.with_sla.count:
            return None
        return round(100.0 - 100.0 * self.breached.count / self.with_sla.count, 1)


def sla(scope: Scope, dimension: str | None = None) -> list[SlaRow]:
    """Tickets opened in the period with SLA deadlines, and how many breached (1 grouped query)."""
    base = sets.tickets(scope, "with_sla")
    conds = {
        "breached": sets.SETS["breached"].q(scope),
        "first_response_late": sets.SETS["breached_first_response"].q(scope),
        "resolution_late": sets.SETS["breached_resolution"].q(scope),
    }
    aggregates = {"n": Count("pk"), **{k: Count("pk", filter=c) for k, c in conds.items()}}
    if dimension:
        field_name = sets.DIMENSIONS[dimension]
        found = {row.pop(field_name): row for row in base.order_by().values(field_name).annotate(**aggregates)}
    else:
        found = {stats.ALL: base.aggregate(**aggregates)}
    names = labels(dimension, list(found)) if dimension else {stats.ALL: _("All tickets")}
    keysets = {"breached": "breached", "first_response_late": "breached_first_response",
               "resolution_late": "breached_resolution"}
    rows = []
    for key, row in found.items():
        dims = {dimension: key} if dimension else {}
        rows.append(SlaRow(
            key, names.get(key, str(key)),
            Figure(row["n"], row["n"], sets.link(scope, "with_sla", **dims)),
            **{name: Figure(row[name], row[name], sets.link(scope, keysets[name], **dims)) for name in conds},
        ))
    rows.sort(key=lambda r: -r.breached.count)
    return rows


# --- Where the time goes ----------------------------------------------------------------
@dataclass(frozen=True)
class TimeSpentRow:
    key: Any
    label: str
    tickets: Figure
    with_us: int  # business seconds, summed
    waiting_customer: int
    waiting_vendor: int

    @property
    def total(self) -> int:
        return self.with_us + self.waiting_customer + self.waiting_vendor

    def part(self, name: str) -> float | None:
        return share(getattr(self, name), self.total)


def time_spent(scope: Scope, dimension: str = "category") -> list[TimeSpentRow]:
    """Business time the tickets resolved in the period spent with us, waiting on the customer and
    waiting on the vendor, per group (1 grouped query): the seed's "identify the delaying step"."""
    field_name = sets.DIMENSIONS[dimension]
    rows = (
        sets.tickets(scope, "resolved").order_by().values(field_name)
        .annotate(n=Count("pk"), us=Sum("seconds_with_us"), cust=Sum("seconds_waiting_customer"),
                  vendor=Sum("seconds_waiting_vendor"))
    )
    found = list(rows)
    names = labels(dimension, [row[field_name] for row in found])
    out = [
        TimeSpentRow(row[field_name], names.get(row[field_name], str(row[field_name])),
                     Figure(row["n"], row["n"], sets.link(scope, "resolved", **{dimension: row[field_name]})),
                     int(row["us"] or 0), int(row["cust"] or 0), int(row["vendor"] or 0))
        for row in found
    ]
    out.sort(key=lambda r: -r.total)
    return out


# --- Root causes and reopenings ---------------------------------------------------------
def counts_by(scope: Scope, key: str, dimension: str) -> list[tuple[Any, str, Figure]]:
    """``(group value, label, count figure)`` of set ``key`` per group, largest first (2 queries)."""
    found = stats.counts(sets.tickets(scope, key), sets.DIMENSIONS[dimension])
    names = labels(dimension, list(found))
    rows = [(k, names.get(k, str(k)), Figure(n, n, sets.link(scope, key, **{dimension: k}))) for k, n in found.items()]
    rows.sort(key=lambda row: -row[2].count)
    return rows


def root_causes(scope: Scope) -> list[tuple[Any, str, Figure]]:
    return counts_by(scope, "resolved", "root_cause")


@dataclass(frozen=True)
class Reopens:
    resolved: Figure
    reopened: Figure

    @property
    def rate(self) -> float | None:
        return share(self.reopened.count, self.resolved.count)


def reopens(scope: Scope) -> Reopens:
    found = scope.tickets().aggregate(
        resolved=Count("pk", filter=sets.SETS["resolved"].q(scope)),
        reopened=Count("pk", filter=sets.SETS["reopened"].q(scope)),
    )
    return Reopens(*(Figure(found[k], found[k], sets.link(scope, k)) for k in ("resolved", "reopened")))


# --- Labels ---------------------------------------------------------------------------------
def labels(dimension: str | None, keys: list[Any]) -> dict[Any, str]:
    """Display names for the raw values of a breakdown, in the active language (≤ 1 query)."""
    names: dict[Any, str] = {None: _("(none)")}
    present = [k for k in keys if k is not None and k != stats.ALL]
    if dimension == "category":
        names.update({c.pk: c.name for c in Category.objects.filter(pk__in=present)})
    elif dimension == "root_cause":
        names.update({c.pk: c.name for c in RootCause.objects.filter(pk__in=present)})
    elif dimension == "customer_id":
        names.update(dict(Customer.objects.filter(pk__in=present).values_list("pk", "name")))
    elif dimension == "owner":
        users = get_user_model().objects.filter(pk__in=present).select_related("agent_profile")
        names.update({u.pk: agent_label(u) for u in users})
        names[None] = _("(no owner)")
    elif dimension == "channel":
        names.update({k: str(Channel(k).label) for k in present if k in Channel.values})
    elif dimension == "priority":
        names.update({k: str(Priority(k).label) for k in present if k in Priority.values})
    elif dimension == "status":
        names.update({k: str(Status(k).label) for k in present if k in Status.values})
    return names


def averages(scope: Scope) -> dict[str, float | None]:
    """Mean business seconds per resolved ticket with us / waiting (1 query), for headline text."""
    found = sets.tickets(scope, "resolved").aggregate(
        with_us=Avg("seconds_with_us"), waiting_customer=Avg("seconds_waiting_customer"),
        waiting_vendor=Avg("seconds_waiting_vendor"),
    )
    return {k: (float(v) if v is not None else None) for k, v in found.items()}


