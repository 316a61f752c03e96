"""CSAT figures, computed in the database: averages and counts per owner over recent days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from aftersales.core import clock
from aftersales.feedback.models.csat import CsatRequest

WINDOWS = (30, 90)


@dataclass(frozen=True)
class Figure:
    """Answers in a window and their average rating (None without answers)."""

    days: int
    count: int
    average: float | None

    def __str__(self) -> str:
        if not self.count:
            return "–"
        return f"{self.average:.1f} ({self.count})"


def _aggregates(now: dt.datetime) -> dict[str, Avg | Count]:
    found: dict[str, Avg | Count] = {}
    for days in WINDOWS:
        recent = Q(answered_at__gt=now - dt.timedelta(days=days), answered_at__lte=now)
        found[f"n{days}"] = Count("pk", filter=recent)
        found[f"avg{days}"] = Avg("rating", filter=recent)
    return found


def _figures(row: dict[str, Any]) -> dict[int, Figure]:
    figures = {}
    for days in WINDOWS:
        average = row.get(f"avg{days}")
        figures[days] = Figure(days, int(row.get(f"n{days}") or 0), float(average) if average is not None else None)
    return figures


def owner_figures(user_ids: Iterable[int], now: dt.datetime | None = None) -> dict[int, dict[int, Figure]]:
    """{owner pk: {30: Figure, 90: Figure}} for the owners at resolution (one grouped query)."""
    now = now or clock.now()
    ids = list(user_ids)
    rows = (
        CsatRequest.objects.filter(owner_id__in=ids, answered_at__isnull=False)
        .values("owner_id")
        .annotate(**_aggregates(now))  # type: ignore[arg-type]
    )
    found = {row["owner_id"]: _figures(row) for row in rows}
    empty = {days: Figure(days, 0, None) for days in WINDOWS}
    return {pk: found.get(pk, empty) for pk in ids}


def figures_for(requests: QuerySet[CsatRequest], now: dt.datetime | None = None) -> dict[int, Figure]:
    """{30: Figure, 90: Figure} over ``requests`` (one query)."""
    now = now or clock.now()
    return _figures(requests.filter(answered_at__isnull=False).aggregate(**_aggregates(now)))  # type: ignore[arg-type]
