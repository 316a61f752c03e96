"""Grouped statistics computed in the database, the same SQL on SQLite and PostgreSQL.

``percentiles(qs, value, group)`` returns, per group, the count, the median (the mean of the
two middle values for an even count, like ``statistics.median``) and the 90th percentile
(nearest rank: the smallest value with at least 90 % of the values at or below it). It ranks
the rows with window functions (``ROW_NUMBER``/``COUNT`` over a partition) and keeps only the
middle and p90 ranks, so only one row per group leaves the database, whatever the ticket count.
On PostgreSQL the same numbers come from its ordered-set aggregates (``PERCENTILE_CONT`` and
``PERCENTILE_DISC``), which sort once per group instead of ranking in a window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, FloatField, Func, QuerySet
from django.db.models.expressions import Combinable


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None
    p90: float | None


EMPTY = Spread(0, None, None)
ALL = "__all__"


class Epoch(Func):
    """Seconds since 1970 of a datetime column, the same number on SQLite and PostgreSQL, so a
    duration is ``Epoch("end") - Epoch("start")`` computed in the database."""

    output_field = FloatField()
    function = ""
    template = "EXTRACT(EPOCH FROM %(expressions)s)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday() is a day count in a double: round to the millisecond it can hold.
        template = "ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)"
        return self.as_sql(compiler, connection, template=template, **extra)


def percentiles_and_total(qs: QuerySet[Any], value: str | Combinable, group: str) -> dict[Any, Spread]:
    """``percentiles(qs, value, group)`` plus the spread over all of ``qs`` under ``ALL``: one pass
    with ``GROUPING SETS`` on PostgreSQL, two queries elsewhere."""
    if connections[qs.db].vendor != "postgresql":
        return {**percentiles(qs, value, group), **percentiles(qs, value)}
    return percentiles(qs, value, group, total=True)


def percentiles(qs: QuerySet[Any], value: str | Combinable, group: str | None = None, *,
                total: bool = False) -> dict[Any, Spread]:
    """``{group value: Spread}`` of ``value`` over ``qs`` (rows where it is NULL are left out).

    ``value`` is a field name or an expression (e.g. ``Epoch("resolved_at") - Epoch("opened_at")``).
    Without ``group`` the single key is ``stats.ALL``."""
    expression = F(value) if isinstance(value, str) else value
    inner = qs.order_by().annotate(_v=expression).filter(_v__isnull=False)
    inner = inner.values(g=F(group), v=F("_v")) if group else inner.values(v=F("_v"))
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # ``.none()`` or an empty ``__in``: nothing to rank
        return {}
    if connections[qs.db].vendor == "postgresql":
        return _percentiles_ordered_set(qs, sql, params, group, total=total)
    partition = "PARTITION BY g" if group else ""
    group_col = "g" if group else "NULL"
    query = f"""
        SELECT g, n,
               AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN v END),
               MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN v END)
        FROM (
            SELECT {group_col} AS g, v,
                   ROW_NUMBER() OVER ({partition} ORDER BY v) AS rn,
                   COUNT(*) OVER ({partition}) AS n
            FROM ({sql}) AS base
        ) AS ranked
        WHERE rn IN ((n + 1) / 2, (n + 2) / 2, (9 * n + 9) / 10)
        GROUP BY g, n
    """  # noqa: S608 - the inner SQL is Django's own, values are parameters
    with connections[qs.db].cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    out = {}
    for g, n, median, p90 in rows:
        out[g if group else ALL] = Spread(int(n), float(median) if median is not None else None,
                                          float(p90) if p90 is not None else None)
    return out


def _percentiles_ordered_set(qs: QuerySet[Any], sql: str, params: Any, group: str | None, *,
                             total: bool = False) -> dict[Any, Spread]:
    """PostgreSQL's ordered-set aggregates, one sort per group and no window: the same numbers
    (``percentile_cont(0.5)`` is the mean of the two middle values for an even count,
    ``percentile_disc(0.9)`` the nearest rank), several times faster on a large period. With
    ``total``, the row over all groups (``GROUPING SETS``) comes back under ``ALL``. Both sort
    ``v::float8``: ``PERCENTILE_CONT`` needs a double anyway, and with the same sort expression the
    two aggregates share one sort per group (an integer column sorted once as itself and once as a
    double cost a third more). Integers are exact in a double, so the values do not change."""
    group_col = "g" if group else "NULL"
    group_by = ("GROUP BY GROUPING SETS ((g), ())" if total else "GROUP BY g") if group else ""
    is_total = "GROUPING(g)" if group else "1"
    query = f"""
        SELECT {group_col}, {is_total}, COUNT(v),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v::float8),
               PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY v::float8)
        FROM ({sql}) AS base {group_by}
    """  # noqa: S608 - the inner SQL is Django's own, values are parameters
    with connections[qs.db].cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    out = {}
    for g, whole, n, median, p90 in rows:
        if n:
            out[ALL if whole else g] = Spread(int(n), float(median) if median is not None else None,
                                              float(p90) if p90 is not None else None)
    return out


def overall(qs: QuerySet[Any], value: str | Combinable) -> Spread:
    return percentiles(qs, value).get(ALL, EMPTY)


def counts(qs: QuerySet[Any], group: str) -> dict[Any, int]:
    """``{group value: count}`` in one grouped query."""
    return dict(qs.order_by().values_list(group).annotate(n=Count("pk")).values_list(group, "n"))
