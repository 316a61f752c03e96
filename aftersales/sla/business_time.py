"""Business-time arithmetic on a working calendar. Pure Python: no Django, no database.

A :class:`BusinessCalendar` knows a timezone, the working intervals of each weekday (local
wall-clock times, several per day, e.g. 09:00-12:00 and 13:30-18:30), the dates that are
holidays and the make-up workdays (调休) that work although they fall on a weekend.

Time is measured in real elapsed time: an interval 01:00-04:00 on the night clocks go
forward lasts two hours, on the night they go back four. Internally each local year is turned
once into a sorted table of working intervals in integer microseconds since the epoch
(UTC) plus the running total of business time at the end of each interval; adding and
measuring are then two binary searches, so ``add_business_time`` costs a few microseconds
whatever the duration or the number of holidays in the way.

Rules:

* An interval may end at midnight: ``MIDNIGHT`` (``time(0)``) as an end means 24:00, written
  "24:00" in stored weeks, so "00:00-24:00" every day is a round-the-clock calendar.
* ``holidays`` are dates that do not work even if their weekday has hours.
* ``extra_workdays`` work with the hours of the first weekday, from Monday on, that has hours
  (Monday in any ordinary Mon-Fri calendar). A date in both sets is a workday (the explicit
  make-up wins; callers merge their sources so this does not normally arise).
* ``add_business_time(start, d)`` with ``d > 0`` returns the first instant at which ``d`` of
  business time has elapsed since ``start``; it lies inside a working interval or exactly at
  its end (never at the start of the next interval). ``d == 0`` returns ``start`` unchanged
  (in UTC). A negative ``d`` is an error.
* ``business_time_between(a, b)`` is the business time in ``[a, b)``; zero when ``b <= a``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import zoneinfo
from collections.abc import Iterable, Mapping

__all__ = ["MIDNIGHT", "BusinessCalendar", "check_intervals", "parse_time", "parse_week"]

_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_US = dt.timedelta(microseconds=1)
_MAX_EMPTY_YEARS = 8  # searching further than this for working time means the calendar has none

Interval = tuple[dt.time, dt.time]
MIDNIGHT = dt.time(0)  # as an interval's end: 24:00, the end of the day ("18:00-24:00", "00:00-24:00")


def parse_time(text: str, *, end: bool = False) -> dt.time:
    """"09:30" → time(9, 30); as an end, "24:00" → ``MIDNIGHT`` (the end of the day)."""
    text = str(text).strip()
    if end and text in ("24:00", "24:00:00"):
        return MIDNIGHT
    return dt.time.fromisoformat(text)


def day_offset(moment: dt.time, *, end: bool = False) -> dt.timedelta:
    """Time since the day's start; an end at ``MIDNIGHT`` is 24 hours."""
    if end and moment == MIDNIGHT:
        return dt.timedelta(days=1)
    return dt.timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second,
                        microseconds=moment.microsecond)


def check_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted; raises ValueError unless each ends after it starts and none overlap."""
    ordered = sorted(intervals, key=lambda pair: day_offset(pair[0]))
    for index, (start, end) in enumerate(ordered):
        if not day_offset(start) < day_offset(end, end=True):
            raise ValueError(f"interval {start:%H:%M}-{end:%H:%M} does not end after it starts")
        if index and day_offset(ordered[index - 1][1], end=True) > day_offset(start):
            raise ValueError(f"intervals overlap at {start:%H:%M}")
    return ordered


def parse_week(data: Mapping[str, Iterable[Iterable[str]]] | None) -> dict[int, list[Interval]]:
    """``{"0": [["09:00", "12:00"], …], …}`` (JSON as stored) → ``{0: [(time(9), time(12)), …], …}``."""
    week: dict[int, list[Interval]] = {day: [] for day in range(7)}
    for key, intervals in (data or {}).items():
        day = int(key)
        if not 0 <= day <= 6:
            raise ValueError(f"weekday {key!r} is not 0 (Monday) to 6 (Sunday)")
        for first, last in intervals:
            week[day].append((parse_time(first), parse_time(last, end=True)))
        week[day].sort()
    return week


class _Table:
    """Working intervals of local years ``first..last`` as parallel integer lists."""

    __slots__ = ("cum", "ends", "first", "hi_us", "last", "lo_us", "starts")

    def __init__(self, first: int, last: int, lo_us: int, hi_us: int,
                 starts: list[int], ends: list[int], cum: list[int]) -> None:
        self.first, self.last = first, last
        self.lo_us, self.hi_us = lo_us, hi_us  # the table covers [lo_us, hi_us)
        self.starts, self.ends, self.cum = starts, ends, cum  # cum[i] = business µs up to ends[i]


class BusinessCalendar:
    def __init__(
        self,
        *,
        tz: zoneinfo.ZoneInfo,
        week: dict[int, list[tuple[dt.time, dt.time]]],
        holidays: set[dt.date],
        extra_workdays: set[dt.date],
    ) -> None:
        self.tz = tz
        self.week: dict[int, list[Interval]] = {}
        for day in range(7):
            try:
                self.week[day] = check_intervals(week.get(day, []))
            except ValueError as exc:
                raise ValueError(f"weekday {day}: {exc}") from exc
        self.holidays = frozenset(holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self._makeup_hours: list[Interval] = next((self.week[d] for d in range(7) if self.week[d]), [])
        self._table: _Table | None = None
        self._lock = threading.Lock()

    # --- days -----------------------------------------------------------------------------
    def hours_on(self, day: dt.date) -> list[Interval]:
        """The local working intervals of ``day`` (empty on a day off)."""
        if day in self.extra_workdays:
            return self._makeup_hours
        if day in self.holidays:
            return []
        return self.week[day.weekday()]

    def is_working_day(self, d: dt.date) -> bool:
        return bool(self.hours_on(d))

    def working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Working dates from ``start`` to ``end``, both included."""
        out = []
        day, one = start, dt.timedelta(days=1)
        while day <= end:
            if self.hours_on(day):
                out.append(day)
            day += one
        return out

    # --- arithmetic -------------------------------------------------------------------------
    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        us = (start - _EPOCH) // _US  # TypeError for a naive datetime, as it should be
        if not duration:
            return _EPOCH + dt.timedelta(microseconds=us)
        step = duration // _US
        table = self._covering(us, start)
        empty_years = 0
        while True:
            target = self._position(table, us) + step
            total = table.cum[-1] if table.cum else 0
            if target <= total:
                break
            table = self._extend(table.first, table.last + 1)
            if (table.cum[-1] if table.cum else 0) - self._position(table, us) == total - (target - step):
                empty_years += 1
                if empty_years > _MAX_EMPTY_YEARS:
                    raise ValueError("the calendar has no working time")
            else:
                empty_years = 0
        index = bisect.bisect_left(table.cum, target)
        return _EPOCH + dt.timedelta(microseconds=table.ends[index] - (table.cum[index] - target))

    def business_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        a_us = (a - _EPOCH) // _US
        b_us = (b - _EPOCH) // _US
        if b_us <= a_us:
            return dt.timedelta(0)
        table = self._covering(a_us, a)
        table = self._covering(b_us, b, table)
        return dt.timedelta(microseconds=self._position(table, b_us) - self._position(table, a_us))

    # --- the table --------------------------------------------------------------------------
    @staticmethod
    def _position(table: _Table, us: int) -> int:
        """Business µs from the table's start to ``us``."""
        index = bisect.bisect_right(table.starts, us) - 1
        if index < 0:
            return 0
        end = table.ends[index]
        return table.cum[index] if us >= end else table.cum[index] - (end - us)

    def _covering(self, us: int, moment: dt.datetime, table: _Table | None = None) -> _Table:
        table = table or self._table
        if table is not None and table.lo_us <= us < table.hi_us:
            return table
        year = moment.astimezone(self.tz).year
        if table is None:
            return self._extend(year - 1, year + 1)
        return self._extend(min(year, table.first), max(year, table.last))

    def _extend(self, first: int, last: int) -> _Table:
        with self._lock:
            current = self._table
            if current is not None and current.first <= first and current.last >= last:
                return current
            if current is not None:
                first, last = min(first, current.first), max(last, current.last)
            table = self._build(first, last)
            self._table = table
            return table

    def _utc_us(self, day: dt.date, moment: dt.time) -> int:
        return (dt.datetime.combine(day, moment, tzinfo=self.tz) - _EPOCH) // _US

    def _build(self, first: int, last: int) -> _Table:
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        total = 0
        day, stop, one = dt.date(first, 1, 1), dt.date(last + 1, 1, 1), dt.timedelta(days=1)
        while day < stop:
            for start_t, end_t in self.hours_on(day):
                start_us = self._utc_us(day, start_t)
                end_us = self._utc_us(day + one, MIDNIGHT) if end_t == MIDNIGHT else self._utc_us(day, end_t)
                if ends and start_us < ends[-1]:  # a wall-clock repeat when clocks go back
                    start_us = ends[-1]
                if end_us <= start_us:  # an interval swallowed by a DST gap
                    continue
                total += end_us - start_us
                starts.append(start_us)
                ends.append(end_us)
                cum.append(total)
            day += one
        lo = (dt.datetime.combine(dt.date(first, 1, 1), dt.time(0), tzinfo=self.tz) - _EPOCH) // _US
        hi = (dt.datetime.combine(stop, dt.time(0), tzinfo=self.tz) - _EPOCH) // _US
        return _Table(first, last, lo, hi, starts, ends, cum)
