"""Stored daily figures: the counts of the dashboard's tiles, daily chart, SLA table and "where the
time goes", kept per day (in the desk's timezone), team, category (and root cause) — and once more
per customer — so a quarter sums a few thousand small rows instead of grouping ~100,000 tickets.

They stay exact, not "fresh within N minutes":

* database triggers on ``tickets_ticket`` (migration ``reports.0002``) write the old and new
  ``created_at`` / ``resolved_at`` of every inserted or deleted ticket, and of every update that
  changes a column these figures read, to ``DailyStale`` — whatever wrote the row (an action, a
  queryset ``update()``, a bulk load, SQL by hand), in the writer's own transaction;
* every read first ``refresh()``-es: it claims the stale instants and recounts their days from the
  tickets, in one transaction (a crash leaves the old rows and the marks in place). With nothing
  stale that is the same few statements touching no row; the periodic job ``reports.refresh_daily``
  (every 5 minutes) does the same, so a page seldom has more than today's tickets to recount;
* ``rebuild()`` (``aftersales reports-rebuild``) recounts every day: after a change of the desk's
  timezone (``TIME_ZONE``), a restore, a bulk load, or to check (``--check``) that the stored rows
  equal a fresh count.

``figures`` keeps the count from the tickets beside each read of these rows; the tests compare both
ways on random data.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from aftersales.customers.models import Customer
from aftersales.reports.models import (
    CustomerDailyOpened,
    CustomerDailyResolved,
    DailyOpened,
    DailyResolved,
    DailyStale,
)
from aftersales.reports.periods import desk_timezone
from aftersales.reports.scope import Scope
from aftersales.tickets.models import Ticket

# The ticket columns the daily figures read: an update that changes none of them marks nothing.
WATCHED_COLUMNS = (
    "created_at", "resolved_at", "merged_into_id", "team_id", "customer_id", "category_id", "root_cause_id", "channel",
    "imported", "sla_policy_id", "first_response_breached", "next_response_breached", "resolution_breached",
    "reopen_count", "seconds_with_us", "seconds_waiting_customer", "seconds_waiting_vendor",
)

_BREACHED = Q(first_response_breached=True) | Q(next_response_breached=True) | Q(resolution_breached=True)
_WITH_SLA = Q(sla_policy__isnull=False, imported=False)

OPENED_KEYS = ("team_id", "category_id")
RESOLVED_KEYS = ("team_id", "category_id", "root_cause_id")


def _opened_counts() -> dict[str, Any]:
    return {
        "n": Count("pk"),
        "proactive": Count("pk", filter=Q(channel="monitoring")),
        "with_sla": Count("pk", filter=_WITH_SLA),
        "breached": Count("pk", filter=_WITH_SLA & _BREACHED),
        "first_response_late": Count("pk", filter=_WITH_SLA & Q(first_response_breached=True)),
        "resolution_late": Count("pk", filter=_WITH_SLA & Q(resolution_breached=True)),
        # Last: from here on "imported" names this count, not the ticket's column.
        "imported": Count("pk", filter=Q(imported=True)),
    }


def _resolved_counts() -> dict[str, Any]:
    return {
        "n": Count("pk"),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
        "seconds_with_us": Coalesce(Sum("seconds_with_us"), Value(0)),
        "seconds_waiting_customer": Coalesce(Sum("seconds_waiting_customer"), Value(0)),
        "seconds_waiting_vendor": Coalesce(Sum("seconds_waiting_vendor"), Value(0)),
    }


@dataclass(frozen=True)
class Store:
    """One table of stored counts: the tickets of a day by ``field``, grouped by ``keys``."""

    model: Any
    field: str  # "created_at" | "resolved_at"
    keys: tuple[str, ...]
    counts: Callable[[], dict[str, Any]]


STORES = (
    Store(DailyOpened, "created_at", OPENED_KEYS, _opened_counts),
    Store(DailyResolved, "resolved_at", RESOLVED_KEYS, _resolved_counts),
    Store(CustomerDailyOpened, "created_at", (*OPENED_KEYS, "customer_id"), _opened_counts),
    Store(CustomerDailyResolved, "resolved_at", (*RESOLVED_KEYS, "customer_id"), _resolved_counts),
)


# --- Which scopes they answer -----------------------------------------------------------------
def covers(scope: Scope) -> bool:
    """Every scope: the whole desk, a team, a customer with its sub-accounts, any period of whole
    days (``figures`` keeps the count from the tickets as the reference the tests compare with)."""
    return True


def _rows(desk: Any, per_customer: Any, scope: Scope, *, since_start: bool = True) -> QuerySet[Any]:
    ensure_fresh()
    if scope.customer is not None:
        accounts = Customer.objects.filter(Q(pk=scope.customer.pk) | Q(parent_id=scope.customer.pk)).values("pk")
        qs = per_customer.objects.filter(customer_id__in=accounts)
    else:
        qs = desk.objects.all()
    qs = qs.filter(day__lte=scope.period.end)
    if since_start:
        qs = qs.filter(day__gte=scope.period.start)
    if scope.team is not None:
        qs = qs.filter(team_id=scope.team.pk)
    return qs.order_by()


def opened(scope: Scope) -> QuerySet[Any]:
    """The stored rows of the tickets opened in the scope's period (sum them)."""
    return _rows(DailyOpened, CustomerDailyOpened, scope)


def resolved(scope: Scope) -> QuerySet[Any]:
    """The stored rows of the tickets resolved in the scope's period (sum them)."""
    return _rows(DailyResolved, CustomerDailyResolved, scope)


def open_at_end(scope: Scope) -> int:
    """How many tickets of the scope were open at the period's end ("open at the end of the
    period" in ``sets``), from the stored rows instead of the tickets resolved since then (a scan
    that grows with the time since the period ended):

        open at the end = opened up to the end - resolved up to the end
                          + resolved before the end but created after it

    The last term is exact bookkeeping for tickets whose resolution predates their creation
    (imported history can say so); the partial index ``ticket_resolved_before_created`` keeps it
    a lookup in an index that is normally empty."""
    opened = _rows(DailyOpened, CustomerDailyOpened, scope, since_start=False).aggregate(n=Sum("n"))["n"] or 0
    resolved = _rows(DailyResolved, CustomerDailyResolved, scope, since_start=False).aggregate(n=Sum("n"))["n"] or 0
    end = scope.period.end_at
    backwards = (scope.tickets().filter(resolved_at__lt=F("created_at"))
                 .filter(created_at__gte=end, resolved_at__lt=end).count())
    return opened - resolved + backwards


# --- Keeping them exact -----------------------------------------------------------------------
_fresh: contextvars.ContextVar[bool] = contextvars.ContextVar("reports_daily_fresh", default=False)


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Refresh once, then read without refreshing again: one page's figures, which write nothing."""
    if _fresh.get():
        yield
        return
    refresh()
    token = _fresh.set(True)
    try:
        yield
    finally:
        _fresh.reset(token)


def ensure_fresh() -> None:
    if not _fresh.get():
        refresh()


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = desk_timezone()
    return (dt.datetime.combine(day, dt.time(), tzinfo=tz),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz))


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days ``(first, last)``."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _within(field: str, runs: list[tuple[dt.date, dt.date]]) -> Q:
    """``field`` within one of the runs of days; an empty instant range when there is none, so the
    statements run (and are counted) the same way whether or not anything was stale."""
    if not runs:
        nowhere = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        return Q(**{f"{field}__gte": nowhere, f"{field}__lt": nowhere})
    q = Q()
    for first, last in runs:
        q |= Q(**{f"{field}__gte": _day_range(first)[0], f"{field}__lt": _day_range(last)[1]})
    return q


def _days_q(runs: list[tuple[dt.date, dt.date]]) -> Q:
    if not runs:
        return Q(day__lt=dt.date(1, 1, 2), day__gt=dt.date(1, 1, 2))
    q = Q()
    for first, last in runs:
        q |= Q(day__gte=first, day__lte=last)
    return q


def _insert_select(model: Any, qs: QuerySet[Any], columns: list[str], using: str) -> None:
    """``INSERT INTO model (columns) SELECT columns FROM (qs)``: one statement, however many rows."""
    sql, params = qs.query.sql_with_params()
    quote = connections[using].ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    table = quote(model._meta.db_table)
    with connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM ({sql}) AS counted", params)  # noqa: S608


def _recount(runs: list[tuple[dt.date, dt.date]], using: str) -> None:
    """Replace the stored rows of the days in ``runs`` by a fresh count (a delete and an insert per table)."""
    tz = desk_timezone()
    tickets = Ticket.objects.using(using).filter(merged_into__isnull=True).order_by()
    for store in STORES:
        store.model.objects.using(using).filter(_days_q(runs)).delete()
        counted = (tickets.filter(_within(store.field, runs)).annotate(day=TruncDate(store.field, tzinfo=tz))
                   .values("day", *store.keys).annotate(**store.counts()))
        _insert_select(store.model, counted, ["day", *store.keys, *store.counts()], using)


def _lock(using: str) -> None:
    """One refresher at a time (two recounting the same day would both insert its rows). SQLite
    serialises writers by itself; PostgreSQL takes a transaction-level advisory lock."""
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


LOCK_KEY = 0x7265706F  # "repo"


def refresh(using: str | None = None) -> int:
    """Recount the days of the stale instants and forget them; returns the number of days recounted.

    Always the same statements (claim, lock, and a delete and an insert per table), whether or not
    anything was stale, so a page's query count does not depend on what changed before it."""
    using = using or router.db_for_write(DailyStale)
    table = connections[using].ops.quote_name(DailyStale._meta.db_table)
    tz = desk_timezone()
    with transaction.atomic(using=using):
        _lock(using)
        with connections[using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} RETURNING at")  # noqa: S608
            claimed = [row[0] for row in cursor.fetchall()]
        days = sorted({_aware(value).astimezone(tz).date() for value in claimed})
        _recount(_runs(days), using)
    return len(days)


def _aware(value: Any) -> dt.datetime:
    """A raw ``at`` from the cursor as an aware datetime (SQLite returns UTC text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def rebuild(using: str | None = None, *, batch_days: int = 92) -> int:
    """Recount every day that has tickets, ``batch_days`` at a time (one transaction each), and drop
    stored days that no longer have any; returns the number of days counted."""
    using = using or router.db_for_write(DailyStale)
    tickets = Ticket.objects.using(using).filter(merged_into__isnull=True)
    bounds = tickets.aggregate(first=Min("created_at"), last=Max("created_at"), last_resolved=Max("resolved_at"))
    tz = desk_timezone()
    with transaction.atomic(using=using):
        _lock(using)
        DailyStale.objects.using(using).all().delete()
        if bounds["first"] is None:
            for store in STORES:
                store.model.objects.using(using).all().delete()
            return 0
        first = bounds["first"].astimezone(tz).date()
        last = max(bounds["last"], bounds["last_resolved"] or bounds["last"]).astimezone(tz).date()
        for store in STORES:
            store.model.objects.using(using).exclude(day__gte=first, day__lte=last).delete()
    day = first
    while day <= last:
        end = min(last, day + dt.timedelta(days=batch_days - 1))
        with transaction.atomic(using=using):
            _lock(using)
            _recount([(day, end)], using)
        day = end + dt.timedelta(days=1)
    return (last - first).days + 1


def differences(using: str | None = None) -> list[str]:
    """What the stored rows get wrong against a fresh count of the tickets (empty when they agree)."""
    using = using or router.db_for_write(DailyStale)
    ensure_fresh()
    tz = desk_timezone()
    tickets = Ticket.objects.using(using).filter(merged_into__isnull=True).order_by()
    found = []
    for store in STORES:
        model, field, keys, counts = store.model, store.field, store.keys, store.counts()
        live = {
            tuple(row[k] for k in ("day", *keys)): tuple(int(row[c]) for c in counts)
            for row in tickets.filter(**{f"{field}__isnull": False}).annotate(day=TruncDate(field, tzinfo=tz))
            .values("day", *keys).annotate(**counts)
        }
        stored: dict[tuple[Any, ...], list[int]] = {}
        for row in model.objects.using(using).values("day", *keys, *counts):
            sums = stored.setdefault(tuple(row[k] for k in ("day", *keys)), [0] * len(counts))
            for i, name in enumerate(counts):
                sums[i] += int(row[name])
        for key in sorted(set(live) | set(stored), key=str):
            want, got = live.get(key), tuple(stored[key]) if key in stored else None
            if want != got:
                found.append(f"{model.__name__} {key}: stored {got}, counted {want}")
    return found

