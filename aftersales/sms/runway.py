"""Burn rate and runway from balance readings (pure: no database, no clock).

Burn is what the balance lost between consecutive readings inside the window, divided by the
hours the window's readings span. An upward step is a top-up (or a refund): it is left out, not
counted as negative burn. Runway is the time until the balance reaches its floor (0, or minus
the credit limit) at that rate; None when nothing is being spent.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DEFAULT_WINDOW = timedelta(hours=72)
HOUR = Decimal(3600)


@dataclass(frozen=True)
class Runway:
    balance: Decimal | None
    burn_per_hour: Decimal  # >= 0
    runway: timedelta | None  # None: no burn (or no readings)
    readings: int
    top_ups: int
    span: timedelta

    @property
    def basis(self) -> str:
        return basis_text(self)


def compute(
    readings: Iterable[tuple[datetime, Decimal]],
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
    floor: Decimal = Decimal(0),
) -> Runway:
    """Runway from ``(at, value)`` readings (any order). ``now`` defaults to the latest reading;
    only readings in ``[now - window, now]`` count. ``floor`` is where traffic stops (0, or
    ``-credit_limit`` for a postpaid account)."""
    points = sorted(readings, key=lambda point: point[0])
    if now is None and points:
        now = points[-1][0]
    if now is not None:
        points = [p for p in points if now - window <= p[0] <= now]
    if not points:
        return Runway(None, Decimal(0), None, 0, 0, timedelta(0))
    spent = Decimal(0)
    top_ups = 0
    for (_at, before), (_later, after) in itertools.pairwise(points):
        if after > before:
            top_ups += 1
        else:
            spent += before - after
    span = points[-1][0] - points[0][0]
    seconds = Decimal(str(span.total_seconds()))
    balance = points[-1][1]
    if seconds <= 0 or spent <= 0:
        return Runway(balance, Decimal(0), None, len(points), top_ups, span)
    burn = spent * HOUR / seconds
    left = max(Decimal(0), balance - floor)
    hours = left / burn
    return Runway(balance, burn, timedelta(hours=float(hours)), len(points), top_ups, span)


def basis_text(result: Runway) -> str:
    """The basis, e.g. 'based on 48 readings over the last 3 days; 2 top-ups ignored'."""
    hours = int(result.span.total_seconds() // 3600)
    if hours >= 48:
        days = round(hours / 24)
        span = ngettext("the last %(n)d day", "the last %(n)d days", days) % {"n": days}
    else:
        span = ngettext("the last %(n)d hour", "the last %(n)d hours", max(hours, 1)) % {"n": max(hours, 1)}
    # One sentence with its span, so that a language can put the span first (基于最近 3 天的 48 次读数).
    text = ngettext("based on %(n)d reading over %(span)s", "based on %(n)d readings over %(span)s",
                    result.readings) % {"n": result.readings, "span": span}  # fmt: skip
    if result.top_ups:
        ignored = ngettext("%(n)d top-up ignored", "%(n)d top-ups ignored", result.top_ups) % {"n": result.top_ups}
        text = _("%(basis)s; %(ignored)s") % {"basis": text, "ignored": ignored}
    return text


def runs_out_text(result: Runway) -> str:
    """E.g. 'runs out in about 4 days', '… 7 hours', 'no spending measured', 'has run out'."""
    if result.runway is None:
        return _("no spending measured")
    hours = result.runway.total_seconds() / 3600
    if hours <= 0:
        return _("has run out")
    if hours < 1:
        return _("runs out within the hour")
    if hours < 48:
        n = round(hours)
        return ngettext("runs out in about %(n)d hour", "runs out in about %(n)d hours", n) % {"n": n}
    n = round(hours / 24)
    return ngettext("runs out in about %(n)d day", "runs out in about %(n)d days", n) % {"n": n}
