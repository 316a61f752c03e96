"""Small line charts drawn server-side as inline SVG (no script, no style attribute), like the
balance chart of ``sms.panels``: polylines (broken where an hour has no data) and labelled axes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import number_format


@dataclass(frozen=True)
class Tick:
    at: float  # pixel position along the axis
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    lines: list[str]  # SVG polyline point lists
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    unit: str = ""
    low: float = 0.0
    high: float = 0.0
    axes: bool = True

    @property
    def base_y(self) -> int:
        """Where the x axis runs (the bottom of the plot)."""
        return self.height - self.bottom


def _label(value: float, unit: str) -> str:
    if unit == "%":
        return f"{round(value * 100)}%"
    if unit == "EUR":
        return number_format(value, 4 if value < 1 else 2, use_l10n=True)
    if value >= 10_000:
        return f"{number_format(round(value / 1000), 0, use_l10n=True)}k"
    return number_format(round(value), 0, use_l10n=True, force_grouping=True)


def _widen(point: str) -> str:
    x, y = point.split(",")
    return f"{point} {float(x) + 2:.1f},{y}"


def line_chart(
    points: Sequence[tuple[dt.datetime, float | None]],
    *,
    unit: str = "%",
    width: int = 300,
    height: int = 80,
    axes: bool = True,
    x_format: str = "%H:%M",
) -> Chart | None:
    """Scale ``(time, value)`` points to a box; None without any value. Rates ("%") use 0–100 %."""
    values = [v for _t, v in points if v is not None]
    if not values or len(points) < 2:
        return None
    left, top, right, bottom = (38, 6, 6, 16) if axes else (1, 2, 1, 2)
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = (0.0, 1.0) if unit == "%" else (0.0, max(values) or 1.0)
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds() or 1.0

    def x(at: dt.datetime) -> float:
        return left + (at - start).total_seconds() / span * plot_w

    def y(value: float) -> float:
        return top + plot_h - (min(max(value, low), high) - low) / (high - low) * plot_h

    lines: list[str] = []
    current: list[str] = []
    for at, value in points:
        if value is None:
            if current:
                lines.append(" ".join(current))
            current = []
            continue
        current.append(f"{x(at):.1f},{y(value):.1f}")
    if current:
        lines.append(" ".join(current))
    # A lone point still shows: draw it as a short flat segment.
    lines = [line if " " in line else _widen(line) for line in lines]
    y_ticks = [Tick(y(v), _label(v, unit)) for v in (low, (low + high) / 2, high)] if axes else []
    x_ticks = []
    if axes:
        for fraction in (0.0, 0.5, 1.0):
            at = start + (end - start) * fraction
            local = timezone.localtime(at) if timezone.is_aware(at) else at  # the reader's clock, as the page's times
            x_ticks.append(Tick(x(at), local.strftime(x_format)))
    return Chart(width, height, left, top, right, bottom, lines, y_ticks, x_ticks, unit, low, high, axes)


def evidence_chart(evidence: dict, *, width: int = 160, height: int = 36, axes: bool = False) -> Chart | None:
    """The chart stored with an alert (its last 24 hours)."""
    points = []
    for at, value in evidence.get("series") or []:
        try:
            points.append((dt.datetime.fromisoformat(at), value))
        except (TypeError, ValueError):
            continue
    return line_chart(points, unit=evidence.get("unit", "%"), width=width, height=height, axes=axes)
