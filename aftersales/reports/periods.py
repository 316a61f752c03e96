"""Report periods: a month (``2026-10``), a quarter (``2026-Q3``), an ISO week (``2026-W40``) or a
range of days (``--from 2026-10-01 --to 2026-10-15``), in the desk's timezone.

A period is whole days, ``start`` and ``end`` inclusive; ``start_at`` / ``end_at`` are the aware
instants that bound it (``end_at`` exclusive: midnight after the last day). ``previous()`` is the
period of the same kind just before (the month before, the quarter before; a range of the same
number of days), which the review compares against.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from aftersales.core import clock

MAX_DAYS = 3 * 366 + 1  # a range longer than three years is refused (a typo, not a report)


class PeriodError(ValueError):
    """A period that cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    kind: str  # "month" | "quarter" | "week" | "range"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=desk_timezone())

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=desk_timezone())

    @property
    def code(self) -> str:
        """The ``--period`` text that names it ("2026-10", "2026-Q3", "2026-W40", "2026-10-01..2026-10-15")."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def label(self) -> str:
        if self.kind == "month":
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == "quarter":
            return _("Q%(quarter)d %(year)d") % {"quarter": (self.start.month - 1) // 3 + 1, "year": self.start.year}
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return _("week %(week)d of %(year)d") % {"week": week, "year": year}
        return _("%(start)s to %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def previous(self) -> Period:
        if self.kind == "month":
            return month(*_month_before(self.start.year, self.start.month))
        if self.kind == "quarter":
            year, mon = self.start.year, self.start.month - 3
            if mon < 1:
                year, mon = year - 1, mon + 12
            return quarter(year, (mon - 1) // 3 + 1)
        if self.kind == "week":
            return Period(self.start - dt.timedelta(days=7), self.end - dt.timedelta(days=7), "week")
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1), "range")

    def params(self) -> dict[str, str]:
        """Query-string parameters that name the period (``from``/``to``; ``period`` when it has a code)."""
        if self.kind == "range":
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.code}


def desk_timezone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today() -> dt.date:
    return clock.now().astimezone(desk_timezone()).date()


def _month_before(year: int, mon: int) -> tuple[int, int]:
    return (year - 1, 12) if mon == 1 else (year, mon - 1)


def month(year: int, mon: int) -> Period:
    last = calendar.monthrange(year, mon)[1]
    return Period(dt.date(year, mon, 1), dt.date(year, mon, last), "month")


def quarter(year: int, number: int) -> Period:
    first = 3 * (number - 1) + 1
    return Period(dt.date(year, first, 1), month(year, first + 2).end, "quarter")


def last_month() -> Period:
    day = today()
    return month(*_month_before(day.year, day.month))


def last_days(days: int) -> Period:
    """The ``days`` days up to and including today (the dashboard's default: 30)."""
    end = today()
    return Period(end - dt.timedelta(days=days - 1), end, "range")


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse(text: str) -> Period:
    """``2026-10``, ``2026-Q3``, ``2026-W40`` or ``2026-10-01..2026-10-15``."""
    text = (text or "").strip()
    if m := _MONTH.match(text):
        year, mon = int(m[1]), int(m[2])
        if not 1 <= mon <= 12:
            raise PeriodError(_("“%(text)s”: there is no month %(month)d.") % {"text": text, "month": mon})
        return month(year, mon)
    if m := _QUARTER.match(text):
        return quarter(int(m[1]), int(m[2]))
    if m := _WEEK.match(text):
        try:
            start = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PeriodError(_("“%(text)s”: there is no such week.") % {"text": text}) from None
        return Period(start, start + dt.timedelta(days=6), "week")
    if m := _RANGE.match(text):
        return between(m[1], m[2])
    raise PeriodError(
        _("“%(text)s” is not a period: use a month (2026-10), a quarter (2026-Q3), a week (2026-W40) "
          "or a range of days (2026-10-01..2026-10-15).") % {"text": text}
    )


def between(start: str | dt.date, end: str | dt.date) -> Period:
    """A range of whole days, both inclusive."""
    try:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(start.strip())
        last = end if isinstance(end, dt.date) else dt.date.fromisoformat(end.strip())
    except ValueError:
        raise PeriodError(_("Dates are written YYYY-MM-DD, for example 2026-10-01.")) from None
    if last < first:
        raise PeriodError(_("The period ends (%(end)s) before it starts (%(start)s).") % {"start": first, "end": last})
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(_("A period is at most three years long."))
    return Period(first, last, "range")


def from_params(params: Mapping[str, Any], default: Period | None = None) -> Period:
    """Read ``period=`` or ``from=``/``to=`` from a query dict; ``default`` (else the last 30 days) when absent."""
    code, first, last = params.get("period") or "", params.get("from") or "", params.get("to") or ""
    if code:
        return parse(code)
    if first or last:
        if not (first and last):
            raise PeriodError(_("Give both the first and the last day of the period."))
        return between(first, last)
    return default or last_days(30)
