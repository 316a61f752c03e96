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
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.customers.forms import agent_label
from aftersales.customers.models import Customer
from aftersales.knowledge import queries as knowledge_queries
from aftersales.knowledge.models import TicketSolution
from aftersales.reports import daily, sets, stats
from aftersales.reports.periods import Period, desk_timezone
from aftersales.reports.scope import Scope
from aftersales.reports.sets import NONE
from aftersales.sms.models.cases import VendorCase
from aftersales.tickets.models import Category, Channel, Priority, RootCause, Status, Ticket


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


def aggregate_set(scope: Scope, key: str, **aggregates: Any) -> dict[str, Any]:
    """Counts over ticket set ``key``, one query per part (``sets.parts``) added up: only counts
    and sums, which add over disjoint parts."""
    found: dict[str, Any] = {}
    for part in sets.parts(scope, key):
        for name, value in part.aggregate(**aggregates).items():
            found[name] = found.get(name, 0) + (value or 0)
    return found


def volume(scope: Scope) -> Volume:
    """Tickets in and out, the backlog at the period's end, proactive and imported tickets (4 queries,
    each one index scan: the tickets opened, resolved, still open, resolved after the end)."""
    if daily.covers(scope):
        stored = daily.opened(scope).aggregate(created=Sum("n"), proactive=Sum("proactive"), imported=Sum("imported"))
        opened = {key: value or 0 for key, value in stored.items()}
        resolved = daily.resolved(scope).aggregate(n=Sum("n"))["n"] or 0
        backlog = daily.open_at_end(scope)
    else:
        opened = sets.tickets(scope, "created").aggregate(
            created=Count("pk"),
            **{key: Count("pk", filter=sets.SETS[key].q(scope)) for key in ("proactive", "imported")},
        )
        resolved = sets.tickets(scope, "resolved").count()
        backlog = aggregate_set(scope, "open_at_end", n=Count("pk"))["n"]
    found = {**opened, "resolved": resolved, "open_at_end": backlog}
    keys = ("created", "resolved", "open_at_end", "proactive", "imported")
    return Volume(**{key: Figure(found[key], found[key], sets.link(scope, key)) for key in keys})


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


@dataclass(frozen=True)
class Overview:
    volume: Volume
    reopens: Reopens
    flow: list[FlowPoint]
    backlog: list[tuple[str, Figure]]


def overview(scope: Scope) -> Overview:
    """``volume``, ``reopens``, ``flow`` and ``backlog_age`` of one period in 4 grouped queries
    instead of 9: the tickets opened per day (with the proactive and imported ones), the tickets
    resolved per day (with the reopened ones), and the backlog at the end by age in its two parts.
    The period's counts are the sums of its days (every ticket of a set falls on exactly one day of
    the period, in the desk's timezone), so the tiles and the chart cannot disagree."""
    tz = desk_timezone()
    if daily.covers(scope):
        opened_rows = daily.opened(scope).values("day").annotate(
            n=Sum("n"), proactive=Sum("proactive"), imported=Sum("imported"))
        resolved_rows = daily.resolved(scope).values("day").annotate(n=Sum("n"), reopened=Sum("reopened"))
    else:
        opened_rows = (
            sets.tickets(scope, "created").annotate(day=TruncDate("created_at", tzinfo=tz)).order_by().values("day")
            .annotate(n=Count("pk"), proactive=Count("pk", filter=Q(channel="monitoring")),
                      imported=Count("pk", filter=Q(imported=True)))
        )
        resolved_rows = (
            sets.tickets(scope, "resolved").annotate(day=TruncDate("resolved_at", tzinfo=tz)).order_by()
            .values("day").annotate(n=Count("pk"), reopened=Count("pk", filter=Q(reopen_count__gt=0)))
        )
    opened = {row["day"]: row for row in opened_rows if row["n"]}
    resolved = {row["day"]: row for row in resolved_rows if row["n"]}
    backlog = aggregate_set(scope, "open_at_end", n=Count("pk"),
                            **{key: Count("pk", filter=sets.age_q(scope, key)) for key in sets.AGE_BUCKETS})

    def total(rows: dict[Any, dict[str, Any]], name: str) -> int:
        return sum(row[name] for row in rows.values())

    counts = {"created": total(opened, "n"), "resolved": total(resolved, "n"), "open_at_end": backlog["n"],
              "proactive": total(opened, "proactive"), "imported": total(opened, "imported")}
    volume = Volume(**{key: Figure(n, n, sets.link(scope, key)) for key, n in counts.items()})
    reopened = total(resolved, "reopened")
    days = [scope.period.start + dt.timedelta(days=i) for i in range(scope.period.days)]
    rows = [(day, opened[day]["n"] if day in opened else 0, resolved[day]["n"] if day in resolved else 0)
            for day in days]
    return Overview(
        volume=volume,
        reopens=Reopens(volume.resolved, Figure(reopened, reopened, sets.link(scope, "reopened"))),
        flow=_flow_points(scope, rows),
        backlog=[(str(AGE_LABELS[key]), Figure(backlog[key], backlog[key], sets.link(scope, "open_at_end", age=key)))
                 for key in sets.AGE_BUCKETS],
    )


@dataclass(frozen=True)
class FlowPoint:
    """Tickets opened and resolved on one day (or in one week, for a long period)."""

    start: dt.date
    end: dt.date
    opened: Figure
    resolved: Figure


FLOW_DAILY_MAX = 92  # longer periods are charted by week


def flow(scope: Scope) -> list[FlowPoint]:
    """``daily_flow`` as figures: each day's (or week's) counts link to that day's (week's) lists."""
    return _flow_points(scope, daily_flow(scope))


def _flow_points(scope: Scope, rows: list[tuple[dt.date, int, int]]) -> list[FlowPoint]:
    step = 1 if len(rows) <= FLOW_DAILY_MAX else 7
    points = []
    for i in range(0, len(rows), step):
        chunk = rows[i:i + step]
        start, end = chunk[0][0], chunk[-1][0]
        part = scope.with_period(Period(start, end, "range"))
        opened, resolved = sum(row[1] for row in chunk), sum(row[2] for row in chunk)
        points.append(FlowPoint(start, end, Figure(opened, opened, sets.link(part, "created")),
                                Figure(resolved, resolved, sets.link(part, "resolved"))))
    return points


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
    return _time_rows(scope, dimension, fr, res)


def times_and_overall(scope: Scope, dimension: str) -> tuple[TimeRow, list[TimeRow]]:
    """``(overall_times(scope), times(scope, dimension))`` from one pass per time on PostgreSQL."""
    field_name = sets.DIMENSIONS[dimension]
    fr = stats.percentiles_and_total(sets.tickets(scope, "first_response"), "first_response_seconds", field_name)
    res = stats.percentiles_and_total(sets.tickets(scope, "resolution"), "resolution_seconds", field_name)
    whole = _time_rows(scope, None, {k: v for k, v in fr.items() if k == stats.ALL},
                       {k: v for k, v in res.items() if k == stats.ALL})
    rows = _time_rows(scope, dimension, {k: v for k, v in fr.items() if k != stats.ALL},
                      {k: v for k, v in res.items() if k != stats.ALL})
    return (whole[0] if whole else _no_times(scope)), rows


def _time_rows(scope: Scope, dimension: str | None, fr: dict[Any, stats.Spread],
               res: dict[Any, stats.Spread]) -> list[TimeRow]:
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
    return found[0] if found else _no_times(scope)


def _no_times(scope: Scope) -> TimeRow:
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
    if dimension in (None, "category") and daily.covers(scope):
        stored = daily.opened(scope)
        sums = {"n": Sum("with_sla"), **{name: Sum(name) for name in conds}}
        if dimension:
            found = {row.pop("category_id"): row for row in stored.values("category_id").annotate(**sums)
                     if row["n"]}
        else:
            found = {stats.ALL: {k: v or 0 for k, v in stored.aggregate(**sums).items()}}
    elif dimension:
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


def sla_total(scope: Scope, rows: list[SlaRow]) -> SlaRow:
    """``sla(scope)[0]`` added up from the rows of one breakdown (every ticket is in exactly one
    group, "(none)" included), without another pass over the tickets."""
    total = {name: sum(getattr(row, name).count for row in rows)
             for name in ("with_sla", "breached", "first_response_late", "resolution_late")}
    keysets = {"with_sla": "with_sla", "breached": "breached", "first_response_late": "breached_first_response",
               "resolution_late": "breached_resolution"}
    return SlaRow(stats.ALL, _("All tickets"),
                  **{name: Figure(n, n, sets.link(scope, keysets[name])) for name, n in total.items()})


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


def spent_and_causes(scope: Scope) -> tuple[list[TimeSpentRow], list[tuple[Any, str, Figure]]]:
    """``(time_spent(scope, "category"), root_causes(scope))`` from one query grouped by category and
    root cause: each breakdown is the other one's groups added up."""
    if daily.covers(scope):
        rows = [row for row in daily.resolved(scope).values("category_id", "root_cause_id").annotate(
            n=Sum("n"), us=Sum("seconds_with_us"), cust=Sum("seconds_waiting_customer"),
            vendor=Sum("seconds_waiting_vendor")) if row["n"]]
    else:
        rows = list(
            sets.tickets(scope, "resolved").order_by().values("category_id", "root_cause_id")
            .annotate(n=Count("pk"), us=Sum("seconds_with_us"), cust=Sum("seconds_waiting_customer"),
                      vendor=Sum("seconds_waiting_vendor"))
        )
    by_category: dict[Any, list[int]] = {}
    by_cause: dict[Any, int] = {}
    for row in rows:
        sums = by_category.setdefault(row["category_id"], [0, 0, 0, 0])
        for i, name in enumerate(("n", "us", "cust", "vendor")):
            sums[i] += int(row[name] or 0)
        by_cause[row["root_cause_id"]] = by_cause.get(row["root_cause_id"], 0) + row["n"]
    names = labels("category", list(by_category))
    spent = [
        TimeSpentRow(key, names.get(key, str(key)),
                     Figure(n, n, sets.link(scope, "resolved", category=key)), us, cust, vendor)
        for key, (n, us, cust, vendor) in by_category.items()
    ]
    spent.sort(key=lambda r: -r.total)
    cause_names = labels("root_cause", list(by_cause))
    causes = [(k, cause_names.get(k, str(k)), Figure(n, n, sets.link(scope, "resolved", root_cause=k)))
              for k, n in by_cause.items()]
    causes.sort(key=lambda row: -row[2].count)
    return spent, causes


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
    """The tickets resolved in the period and those of them reopened at least once (1 query)."""
    found = sets.tickets(scope, "resolved").aggregate(
        resolved=Count("pk"), reopened=Count("pk", filter=sets.SETS["reopened"].q(scope)),
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


# --- Backlog age ------------------------------------------------------------------------------
AGE_LABELS: dict[str, Any] = {
    "lt1": gettext_lazy("< 1 d"),
    "1to3": gettext_lazy("1–3 d"),
    "3to7": gettext_lazy("3–7 d"),
    "7to30": gettext_lazy("7–30 d"),
    "gt30": gettext_lazy("> 30 d"),
}


def backlog_age(scope: Scope) -> list[tuple[str, Figure]]:
    """The tickets open at the period's end by age (at the end, or now while the period runs), in
    ``sets.AGE_BUCKETS`` order (2 queries: still open, resolved after the end). Each bucket links to
    ``open_at_end`` narrowed by ``age``."""
    found = aggregate_set(scope, "open_at_end",
                          **{key: Count("pk", filter=sets.age_q(scope, key)) for key in sets.AGE_BUCKETS})
    return [
        (str(AGE_LABELS[key]), Figure(found[key], found[key], sets.link(scope, "open_at_end", age=key)))
        for key in sets.AGE_BUCKETS
    ]


# --- Satisfaction (CSAT) --------------------------------------------------------------------
@dataclass(frozen=True)
class CsatRow:
    key: Any
    label: str
    responses: Figure  # value: the number of rated tickets
    average: float | None


@dataclass(frozen=True)
class Csat:
    """Ratings (1–5) of the tickets resolved in the period (``CsatRequest.rating``)."""

    responses: Figure
    average: float | None
    satisfied_share: float | None  # percent of responses rated 4 or 5
    low: Figure  # rated 1 or 2
    satisfied: Figure  # rated 4 or 5
    by_owner: list[CsatRow]


def csat(scope: Scope) -> Csat:
    """Responses, average, share satisfied and low ratings (1 query), and per owner (1 grouped query
    and the owners' names)."""
    found = sets.tickets(scope, "rated").aggregate(
        n=Count("pk"), avg=Avg("csat__rating"),
        low=Count("pk", filter=Q(csat__rating__lte=2)), satisfied=Count("pk", filter=Q(csat__rating__gte=4)),
    )
    rows = list(
        sets.tickets(scope, "rated").order_by().values("owner_id")
        .annotate(n=Count("pk"), avg=Avg("csat__rating")).order_by("-n", "owner_id")
    )
    names = labels("owner", [row["owner_id"] for row in rows])
    by_owner = [
        CsatRow(row["owner_id"], names.get(row["owner_id"], str(row["owner_id"])),
                Figure(row["n"], row["n"], sets.link(scope, "rated", owner=row["owner_id"])),
                round(float(row["avg"]), 2) if row["avg"] is not None else None)
        for row in rows
    ]
    return Csat(
        responses=Figure(found["n"], found["n"], sets.link(scope, "rated")),
        average=round(float(found["avg"]), 2) if found["avg"] is not None else None,
        satisfied_share=share(found["satisfied"], found["n"]),
        low=Figure(found["low"], found["low"], sets.link(scope, "rated_low")),
        satisfied=Figure(found["satisfied"], found["satisfied"], sets.link(scope, "rated_satisfied")),
        by_owner=by_owner,
    )


# --- Vendor cases ----------------------------------------------------------------------------
@dataclass(frozen=True)
class VendorCaseTimes:
    """Cases opened with SMS vendors in the period: how long the vendor took to answer and to
    resolve (wall-clock hours from opening: vendors keep their own hours), and how many are open now."""

    opened: int
    first_response_median_hours: float | None
    resolution_median_hours: float | None
    open_now: int
    answered: int = 0
    resolved: int = 0
    first_response_p90_hours: float | None = None
    resolution_p90_hours: float | None = None


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600.0, 1) if seconds is not None else None


def vendor_cases(scope: Scope) -> VendorCaseTimes:
    """Vendor case times in the database (3 queries: counts, then the two spreads over an epoch
    difference). With a team or customer, only cases linked to one of the scope's tickets count."""
    cases = VendorCase.objects.all()
    if scope.team is not None or scope.customer is not None:
        links = VendorCase.tickets.through.objects.filter(vendorcase_id=OuterRef("pk"), ticket__in=scope.tickets())
        cases = cases.filter(Exists(links))
    opened = cases.filter(opened_at__gte=scope.period.start_at, opened_at__lt=scope.period.end_at)
    done = [VendorCase.Status.RESOLVED, VendorCase.Status.CLOSED]
    found = cases.aggregate(
        opened=Count("pk", filter=Q(opened_at__gte=scope.period.start_at, opened_at__lt=scope.period.end_at)),
        open_now=Count("pk", filter=~Q(status__in=done)),
    )
    first = stats.overall(opened, stats.Epoch("first_vendor_response_at") - stats.Epoch("opened_at"))
    resolution = stats.overall(opened, stats.Epoch("resolved_at") - stats.Epoch("opened_at"))
    return VendorCaseTimes(
        opened=found["opened"],
        first_response_median_hours=_hours(first.median),
        resolution_median_hours=_hours(resolution.median),
        open_now=found["open_now"],
        answered=first.count,
        resolved=resolution.count,
        first_response_p90_hours=_hours(first.p90),
        resolution_p90_hours=_hours(resolution.p90),
    )


# --- Recurring problems ----------------------------------------------------------------------
@dataclass(frozen=True)
class Recurring:
    label: str  # the shared subject, or the article the tickets were solved with
    category: str  # the category's label
    tickets: Figure
    customers: int
    examples: list[Ticket]  # the newest three
    kind: str = "subject"  # "subject" | "article"


RECURRING_MIN = 2  # a problem recurs when at least this many tickets share it


def recurring(scope: Scope, limit: int = 10) -> list[Recurring]:
    """Problems that came back in the period: tickets opened in it that share their category and

    * the same subject, ignoring case (monitoring alerts, form and vendor mails, customers who
      write the same title again), or
    * the same knowledge article they were solved with (different words, same answer).

    Both are exact keys the database groups on (2 grouped queries), so every group links to
    exactly its tickets; fuzzy text similarity (shared search tokens) would need Python over the
    tickets' text and could not be listed back exactly. Up to ``limit`` groups with at least
    ``RECURRING_MIN`` tickets, largest first, each with its number of customers and three
    examples (one windowed query per kind)."""
    created = sets.tickets(scope, "created")
    by_subject = _recurring_subjects(created, limit)
    by_article = list(
        created.order_by().filter(knowledge_solutions__isnull=False)
        .values("category_id", article=F("knowledge_solutions__article_id"))
        .annotate(n=Count("pk"), customers=Count("customer_id", distinct=True),
                  title=Min("knowledge_solutions__article__title"))
        .filter(n__gte=RECURRING_MIN).order_by("-n", "article")[:limit]
    )
    groups = sorted(
        [("subject", row) for row in by_subject] + [("article", row) for row in by_article],
        key=lambda pair: -pair[1]["n"],
    )[:limit]
    if not groups:
        return []
    names = labels("category", [row["category_id"] for _kind, row in groups])
    examples = _recurring_examples(created, [row for kind, row in groups if kind == "article"])
    shown = [pk for kind, row in groups if kind == "subject" for pk in row["examples"]]
    loaded = Ticket.objects.in_bulk(shown)
    for kind, row in groups:
        if kind == "subject":
            examples[("subject", row["category_id"], row["key"])] = [loaded[pk] for pk in row["examples"]]
    out = []
    for kind, row in groups:
        category = NONE if row["category_id"] is None else row["category_id"]
        if kind == "subject":
            link = sets.link(scope, "created", category=category, subject=row["subject"])
            label, key = row["subject"], ("subject", row["category_id"], row["key"])
        else:
            link = sets.link(scope, "created", category=category, article=row["article"])
            label, key = row["title"], ("article", row["category_id"], row["article"])
        out.append(Recurring(
            label=label, category=names.get(row["category_id"], str(row["category_id"])),
            tickets=Figure(row["n"], row["n"], link), customers=row["customers"],
            examples=examples.get(key, []), kind=kind,
        ))
    return out


def _same(field: str, value: Any) -> Q:
    return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


def _recurring_subjects(created: QuerySet[Ticket], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` largest groups of ``created`` by category and subject ignoring case, with at
    least ``RECURRING_MIN`` tickets: ``category_id``, ``key`` (the lower-cased subject), ``n``,
    ``subject`` (the group's first spelling), ``customers`` and ``examples`` (the pks of its three
    newest tickets, newest first). Two queries, both in the database:

    1. the period's tickets counted by exact subject (a hash aggregate over the raw column), then
       only those distinct subjects lower-cased and summed per group, ranked with a window, so
       ``LOWER`` runs once per spelling rather than once per ticket;
    2. the top groups' tickets, matched by their exact spellings and numbered by group: their
       distinct customers per group, and the three newest of each (a window)."""
    counted = created.order_by().values("category_id", "subject").annotate(n=Count("pk"))
    try:
        sql, params = counted.query.sql_with_params()
    except EmptyResultSet:
        return []
    # Grouped and sorted by bytes: equal strings are equal bytes under PostgreSQL's deterministic
    # collations too, so the groups are the same, and byte order is cheaper than the language's.
    key = 'LOWER(s.subject) COLLATE "C"' if connection.vendor == "postgresql" else "LOWER(s.subject)"
    query = f"""
        SELECT category_id, subject, key, total, first
        FROM (
            SELECT category_id, subject, key, total, first,
                   DENSE_RANK() OVER (ORDER BY total DESC, key, category_id) AS place
            FROM (
                SELECT s.category_id AS category_id, s.subject AS subject, {key} AS key,
                       SUM(s.n) OVER (PARTITION BY s.category_id, {key}) AS total,
                       MIN(s.subject) OVER (PARTITION BY s.category_id, {key}) AS first
                FROM ({sql}) AS s
            ) AS folded
            WHERE total >= %s
        ) AS ranked
        WHERE place <= %s
        ORDER BY total DESC, key, category_id
    """  # noqa: S608 - the inner SQL is Django's own, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, RECURRING_MIN, limit])
        rows = cursor.fetchall()
    groups: list[dict[str, Any]] = []  # largest first; a group's number is its index
    spellings: list[list[str]] = []
    numbers: dict[tuple[Any, str], int] = {}
    for category_id, subject, lowered, total, first in rows:
        if (category_id, lowered) not in numbers:
            numbers[(category_id, lowered)] = len(groups)
            groups.append({"category_id": category_id, "key": lowered, "n": int(total), "subject": first,
                           "customers": 0, "examples": []})
            spellings.append([])
        spellings[numbers[(category_id, lowered)]].append(subject)
    if not groups:
        return []
    # The tickets are matched by their exact spellings (any category, a cheap IN) and numbered by
    # category and spelling, so the windows sort small integers.
    numbered = created.order_by().filter(subject__in=[s for group in spellings for s in group]).annotate(grp=Case(
        *[When(_same("category_id", group["category_id"]) & Q(subject__in=spellings[i]), then=Value(i))
          for i, group in enumerate(groups)],
        default=None, output_field=IntegerField(),
    )).values("pk", "customer_id", "created_at", "grp")
    sql, params = numbered.query.sql_with_params()
    # One row per group with its customers, and one per example (the matched rows are read twice).
    query = f"""
        WITH m AS (SELECT * FROM ({sql}) AS numbered WHERE grp IS NOT NULL)
        SELECT grp, NULL, COUNT(DISTINCT customer_id), 0 FROM m GROUP BY grp
        UNION ALL
        SELECT grp, pk, NULL, newest FROM (
            SELECT grp, pk, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY created_at DESC, pk DESC) AS newest FROM m
        ) AS ranked WHERE newest <= 3
    """  # noqa: S608 - the inner SQL is Django's own, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    for grp, pk, customers, _newest in sorted(rows, key=lambda row: row[3]):
        if pk is None:
            groups[grp]["customers"] = int(customers or 0)
        else:
            groups[grp]["examples"].append(pk)
    return groups


def _recurring_examples(created: QuerySet[Ticket],
                        articles: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[Ticket]]:
    """The three newest tickets of each article group (a window function, in the database)."""
    found: dict[tuple[Any, ...], list[Ticket]] = {}
    newest = ["-created_at", "-pk"]
    if articles:
        match = Q()
        for row in articles:
            match |= _same("category_id", row["category_id"]) & Q(knowledge_solutions__article_id=row["article"])
        solved = (
            created.filter(match).annotate(article=F("knowledge_solutions__article_id"))
            .annotate(rn=Window(RowNumber(), partition_by=[F("category_id"), F("knowledge_solutions__article_id")],
                                order_by=[F("created_at").desc(), F("pk").desc()]))
            .filter(rn__lte=3).order_by(*newest)
        )
        for solved_ticket in solved:
            key = ("article", solved_ticket.category_id, solved_ticket.article)  # type: ignore[attr-defined]
            found.setdefault(key, []).append(solved_ticket)
    return found


# --- Knowledge: articles used and gaps --------------------------------------------------------
@dataclass(frozen=True)
class ArticleUse:
    article_id: int
    title: str
    url: str  # the article's page
    tickets: Figure  # tickets resolved in the period with it


@dataclass(frozen=True)
class Gap:
    category_id: int
    label: str
    tickets: Figure  # tickets of the category opened in the period


@dataclass(frozen=True)
class Knowledge:
    used: list[ArticleUse]
    gaps: list[Gap]
    gap_threshold: int
    gap_days: int

    @property
    def articles_used(self) -> list[tuple[str, int, str]]:
        """``(title, uses, link to the article)``, most used first."""
        return [(use.title, use.tickets.count, use.url) for use in self.used]


ARTICLES_SHOWN = 10


def knowledge(scope: Scope) -> Knowledge:
    """The articles the period's resolved tickets were solved with (1 grouped query), and the
    categories the knowledge base has no published article for (``knowledge.queries.category_gaps``:
    at least ``GAP_DEFAULT_THRESHOLD`` tickets in the last ``GAP_WINDOW_DAYS`` days, desk-wide), each
    with the tickets of that category opened in the period (1 grouped query)."""
    rows = (
        TicketSolution.objects.filter(ticket__in=sets.tickets(scope, "resolved"))
        .values("article_id", "article__title").annotate(n=Count("ticket_id")).order_by("-n", "article__title")
    )[:ARTICLES_SHOWN]
    used = [
        ArticleUse(row["article_id"], row["article__title"], reverse("knowledge:article", args=[row["article_id"]]),
                   Figure(row["n"], row["n"], sets.link(scope, "resolved", article=row["article_id"])))
        for row in rows
    ]
    threshold, days = knowledge_queries.GAP_DEFAULT_THRESHOLD, knowledge_queries.GAP_WINDOW_DAYS
    found = knowledge_queries.category_gaps(threshold=threshold, days=days)
    ids = [gap["category"].pk for gap in found]
    in_scope = stats.counts(sets.tickets(scope, "created").filter(category_id__in=ids), "category_id") if ids else {}
    gaps = [
        Gap(gap["category"].pk, str(gap["category"]),
            Figure(in_scope.get(gap["category"].pk, 0), in_scope.get(gap["category"].pk, 0),
                   sets.link(scope, "created", category=gap["category"].pk)))
        for gap in found
    ]
    return Knowledge(used=used, gaps=gaps, gap_threshold=threshold, gap_days=days)
