"""The dashboard's charts, drawn server-side as inline SVG (no script, no style attribute), like
``monitoring.charts``: labelled axes, a legend in the page, and fills that stay apart in grayscale
(a dark and a light series). Every bar is a link to the tickets it counts.

Charts only place shapes; the numbers and links come from ``figures`` (each bar carries a Figure).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from aftersales.monitoring.charts import Tick
from aftersales.reports.figures import Figure, FlowPoint


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str  # "bar-in" | "bar-out"
    title: str
    figure: Figure


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    bars: list[Bar]
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)

    @property
    def base_y(self) -> int:
        return self.height - self.bottom


def nice_ceiling(value: float) -> int:
    """The round number (1, 2, 5 × 10ⁿ) at or above ``value``: the top of the y axis."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def flow_chart(points: Sequence[FlowPoint], *, width: int = 640, height: int = 170) -> BarChart | None:
    """Opened (dark) and resolved (light) bars side by side per day; None when both are all zero."""
    if not points or not any(p.opened.count or p.resolved.count for p in points):
        return None
    left, top, right, bottom = 34, 8, 6, 18
    plot_w, plot_h = width - left - right, height - top - bottom
    high = nice_ceiling(max(max(p.opened.count, p.resolved.count) for p in points))
    slot = plot_w / len(points)
    bar_w = max(slot * 0.42, 0.6)
    bars: list[Bar] = []
    for index, point in enumerate(points):
        x0 = left + index * slot + slot * 0.08
        when = point.start.isoformat() if point.start == point.end else f"{point.start:%m-%d}–{point.end:%m-%d}"
        for offset, css, figure, title in (
            (0.0, "bar-in", point.opened,
             _("%(when)s: %(count)s opened") % {"when": when, "count": point.opened.count}),
            (bar_w, "bar-out", point.resolved,
             _("%(when)s: %(count)s resolved") % {"when": when, "count": point.resolved.count}),
        ):
            if not figure.count:
                continue
            h = figure.count / high * plot_h
            bars.append(Bar(round(x0 + offset, 1), round(top + plot_h - h, 1), round(bar_w, 1), round(h, 1),
                            css, title, figure))
    y_ticks = [Tick(round(top + plot_h - v / high * plot_h, 1), number_format(v, 0, force_grouping=True))
               for v in sorted({0, high // 2, high})]
    picks = sorted({0, len(points) // 2, len(points) - 1})
    x_ticks = [Tick(round(left + (i + 0.5) * slot, 1), f"{points[i].start:%m-%d}") for i in picks]
    return BarChart(width, height, left, top, right, bottom, bars, y_ticks, x_ticks)


def widths(values: Sequence[float | int | None], *, top: float | None = None) -> list[float]:
    """Bar lengths in percent of the largest value (or of ``top``, e.g. 100 for shares)."""
    present = [float(v) for v in values if v is not None]
    high = top if top is not None else (max(present) if present else 0.0)
    if not high:
        return [0.0 for _v in values]
    return [round(max(float(v), 0.0) / high * 100, 1) if v is not None else 0.0 for v in values]


def stack(parts: Sequence[int]) -> list[tuple[float, float]]:
    """``(x, width)`` in percent of the segments of one stacked bar (their shares of the total)."""
    total = sum(parts)
    out: list[tuple[float, float]] = []
    x = 0.0
    for part in parts:
        w = round(100.0 * part / total, 1) if total else 0.0
        out.append((round(x, 1), w))
        x += w
    return out
