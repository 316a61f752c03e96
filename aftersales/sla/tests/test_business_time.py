"""Business-time arithmetic: worked examples and properties (hypothesis). No database."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aftersales.sla.business_time import MIDNIGHT, BusinessCalendar, parse_week

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = dt.UTC
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def weekdays(*intervals: tuple[str, str], days: range = range(5)) -> dict[int, list[tuple[dt.time, dt.time]]]:
    return parse_week({str(day): [list(pair) for pair in intervals] for day in days})


def china(**kwargs: object) -> BusinessCalendar:
    """09:00-12:00 + 13:00-18:00 Mon-Fri with 2025's National Day week (10/1-10/8 off, Sat 10/11 worked)."""
    holidays = {dt.date(2025, 10, day) for day in range(1, 9)} | {dt.date(2025, 12, 25)}
    extra = {dt.date(2025, 9, 28), dt.date(2025, 10, 11)}
    return BusinessCalendar(
        tz=SHANGHAI, week=weekdays(("09:00", "12:00"), ("13:00", "18:00")),
        holidays=holidays, extra_workdays=extra,
    )


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# --- worked examples ---------------------------------------------------------------------------
def test_inside_one_interval() -> None:
    cal = china()
    assert cal.add_business_time(sh(2025, 9, 2, 9, 30), H) == sh(2025, 9, 2, 10, 30)


def test_result_is_utc() -> None:
    result = china().add_business_time(sh(2025, 9, 2, 9, 30), H)
    assert result.tzinfo is UTC
    assert result == dt.datetime(2025, 9, 2, 2, 30, tzinfo=UTC)


def test_lunch_is_skipped_and_an_exact_fill_ends_at_the_interval_end() -> None:
    cal = china()
    assert cal.add_business_time(sh(2025, 9, 2, 11, 0), H) == sh(2025, 9, 2, 12, 0)  # not 13:00
    assert cal.add_business_time(sh(2025, 9, 2, 11, 0), 2 * H) == sh(2025, 9, 2, 14, 0)


def test_start_outside_hours_starts_at_the_next_interval() -> None:
    cal = china()
    assert cal.add_business_time(sh(2025, 9, 2, 12, 30), 30 * M) == sh(2025, 9, 2, 13, 30)
    assert cal.add_business_time(sh(2025, 9, 2, 7, 0), H) == sh(2025, 9, 2, 10, 0)
    assert cal.add_business_time(sh(2025, 9, 2, 22, 0), H) == sh(2025, 9, 3, 10, 0)


def test_across_midnight_and_a_weekend() -> None:
    cal = china()
    # Friday 17:00 + 2h → Monday 10:00
    assert cal.add_business_time(sh(2025, 9, 5, 17, 0), 2 * H) == sh(2025, 9, 8, 10, 0)
    # an instant just before midnight on Sunday
    assert cal.add_business_time(sh(2025, 9, 7, 23, 59), H) == sh(2025, 9, 8, 10, 0)


def test_across_a_holiday_week_and_a_make_up_saturday() -> None:
    cal = china()
    # Tue 30 Sep 17:00 + 8h: 1h on the 30th, nothing 1-8 Oct, 7h on Thu 9 Oct
    assert cal.add_business_time(sh(2025, 9, 30, 17, 0), 8 * H) == sh(2025, 9, 30, 18, 0) + (8 * 24 + 23) * H
    assert cal.add_business_time(sh(2025, 9, 30, 17, 0), 8 * H) == sh(2025, 10, 9, 17, 0)
    # Fri 10 Oct 17:00 + 2h: Saturday 11 Oct is a make-up workday (Monday's hours)
    assert cal.add_business_time(sh(2025, 10, 10, 17, 0), 2 * H) == sh(2025, 10, 11, 10, 0)
    # Sunday 28 Sep was worked too
    assert cal.is_working_day(dt.date(2025, 9, 28))
    assert cal.add_business_time(sh(2025, 9, 27, 12, 0), H) == sh(2025, 9, 28, 10, 0)


def test_make_up_days_use_the_first_weekday_with_hours() -> None:
    week = weekdays(("10:00", "16:00"), days=range(1, 5))  # Tuesday to Friday only
    cal = BusinessCalendar(tz=SHANGHAI, week=week, holidays=set(), extra_workdays={dt.date(2025, 9, 6)})
    assert cal.hours_on(dt.date(2025, 9, 6)) == [(dt.time(10), dt.time(16))]
    assert not cal.is_working_day(dt.date(2025, 9, 8))  # a Monday: no hours


def test_uneven_intervals_0900_1200_and_1330_1830() -> None:
    cal = BusinessCalendar(tz=SHANGHAI, week=weekdays(("09:00", "12:00"), ("13:30", "18:30")),
                           holidays=set(), extra_workdays=set())
    assert cal.add_business_time(sh(2025, 9, 1, 9, 0), 8 * H) == sh(2025, 9, 1, 18, 30)
    assert cal.add_business_time(sh(2025, 9, 1, 11, 0), 2 * H) == sh(2025, 9, 1, 14, 30)
    assert cal.business_time_between(sh(2025, 9, 1, 0, 0), sh(2025, 9, 2, 0, 0)) == 8 * H


def test_between() -> None:
    cal = china()
    assert cal.business_time_between(sh(2025, 9, 1, 8, 0), sh(2025, 9, 1, 20, 0)) == 8 * H
    assert cal.business_time_between(sh(2025, 9, 1, 11, 30), sh(2025, 9, 1, 13, 30)) == H
    assert cal.business_time_between(sh(2025, 9, 30, 17, 0), sh(2025, 10, 9, 10, 0)) == 2 * H
    assert cal.business_time_between(sh(2025, 9, 2), sh(2025, 9, 1)) == dt.timedelta(0)
    assert cal.business_time_between(sh(2025, 9, 2, 10), sh(2025, 9, 2, 10)) == dt.timedelta(0)


def test_zero_negative_and_naive() -> None:
    cal = china()
    start = sh(2025, 9, 2, 22, 0)
    assert cal.add_business_time(start, dt.timedelta(0)) == start
    with pytest.raises(ValueError):
        cal.add_business_time(start, -H)
    with pytest.raises(TypeError):
        cal.add_business_time(dt.datetime(2025, 9, 2, 10), H)


def test_long_durations_and_far_dates_extend_the_table() -> None:
    cal = china()
    start = sh(2025, 1, 6, 9, 0)  # Monday
    result = cal.add_business_time(start, 2000 * H)  # 250 working days, past the first table
    assert cal.business_time_between(start, result) == 2000 * H
    assert cal.add_business_time(sh(2031, 3, 3, 9), H) == sh(2031, 3, 3, 10)
    assert cal.add_business_time(sh(2001, 3, 5, 9), H) == sh(2001, 3, 5, 10)


def test_a_calendar_without_hours_fails_loudly() -> None:
    cal = BusinessCalendar(tz=SHANGHAI, week={}, holidays=set(), extra_workdays=set())
    with pytest.raises(ValueError, match="no working time"):
        cal.add_business_time(sh(2025, 1, 1), H)
    assert cal.business_time_between(sh(2025, 1, 1), sh(2025, 2, 1)) == dt.timedelta(0)


def test_invalid_weeks_are_refused() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(tz=SHANGHAI, week=weekdays(("12:00", "09:00")), holidays=set(), extra_workdays=set())
    with pytest.raises(ValueError):
        BusinessCalendar(tz=SHANGHAI, week=weekdays(("09:00", "13:00"), ("12:00", "18:00")),
                         holidays=set(), extra_workdays=set())


def test_working_days() -> None:
    cal = china()
    days = cal.working_days(dt.date(2025, 9, 27), dt.date(2025, 10, 12))
    assert days == [dt.date(2025, 9, 28), dt.date(2025, 9, 29), dt.date(2025, 9, 30),
                    dt.date(2025, 10, 9), dt.date(2025, 10, 10), dt.date(2025, 10, 11)]
    assert cal.working_days(dt.date(2025, 10, 2), dt.date(2025, 10, 1)) == []


def test_intervals_may_end_at_midnight() -> None:
    evening = BusinessCalendar(tz=SHANGHAI, week=weekdays(("18:00", "24:00")), holidays=set(), extra_workdays=set())
    assert evening.add_business_time(sh(2025, 9, 1, 23, 0), H) == sh(2025, 9, 2, 0, 0)  # Monday 24:00
    assert evening.add_business_time(sh(2025, 9, 1, 23, 0), 2 * H) == sh(2025, 9, 2, 19, 0)
    assert evening.business_time_between(sh(2025, 9, 1), sh(2025, 9, 3)) == 12 * H
    always = BusinessCalendar(tz=SHANGHAI, week=weekdays(("00:00", "24:00"), days=range(7)),
                              holidays={dt.date(2025, 10, 1)}, extra_workdays=set())
    assert always.add_business_time(sh(2025, 9, 30, 12, 0), 24 * H) == sh(2025, 10, 2, 12, 0)
    assert always.business_time_between(sh(2025, 9, 1), sh(2025, 9, 8)) == 7 * 24 * H
    with pytest.raises(ValueError):
        BusinessCalendar(tz=SHANGHAI, week=weekdays(("18:00", "24:00"), ("20:00", "21:00")),
                         holidays=set(), extra_workdays=set())


# --- DST ------------------------------------------------------------------------------------------
def test_dst_new_york_office_hours_follow_the_wall_clock() -> None:
    cal = BusinessCalendar(tz=NEW_YORK, week=weekdays(("09:00", "17:00")), holidays=set(), extra_workdays=set())
    # Friday 6 March 2026 16:00 EST + 2h → Monday 9 March 10:00 EDT (clocks went forward on Sunday)
    result = cal.add_business_time(dt.datetime(2026, 3, 6, 16, tzinfo=NEW_YORK), 2 * H)
    assert result == dt.datetime(2026, 3, 9, 14, tzinfo=UTC)  # 10:00 EDT = UTC-4
    assert result.astimezone(NEW_YORK).hour == 10
    # Friday 30 Oct 16:00 EDT + 2h → Monday 2 Nov 10:00 EST
    assert cal.add_business_time(dt.datetime(2026, 10, 30, 16, tzinfo=NEW_YORK), 2 * H) == dt.datetime(
        2026, 11, 2, 15, tzinfo=UTC)


def test_dst_an_interval_across_the_switch_is_measured_in_real_time() -> None:
    # a Sunday night shift 00:00-04:00 in New York
    cal = BusinessCalendar(tz=NEW_YORK, week=weekdays(("00:00", "04:00"), days=range(6, 7)),
                           holidays=set(), extra_workdays=set())
    spring, autumn = dt.date(2026, 3, 8), dt.date(2026, 11, 1)
    day = dt.timedelta(days=1)

    def whole(d: dt.date) -> dt.timedelta:
        return cal.business_time_between(dt.datetime.combine(d, dt.time(0), tzinfo=NEW_YORK),
                                         dt.datetime.combine(d + day, dt.time(0), tzinfo=NEW_YORK))

    assert whole(spring) == 3 * H  # 02:00-03:00 does not exist
    assert whole(autumn) == 5 * H  # 01:00-02:00 happens twice
    assert whole(dt.date(2026, 3, 15)) == 4 * H
    start = dt.datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert cal.add_business_time(start, 3 * H).astimezone(NEW_YORK) == dt.datetime(2026, 3, 8, 4, tzinfo=NEW_YORK)


def test_dst_london_evening_hours() -> None:
    cal = BusinessCalendar(tz=LONDON, week=weekdays(("09:00", "17:30")), holidays=set(), extra_workdays=set())
    # Friday 27 March 2026 17:00 GMT + 1h → Monday 30 March 09:30 BST = 08:30 UTC
    assert cal.add_business_time(dt.datetime(2026, 3, 27, 17, tzinfo=LONDON), H) == dt.datetime(
        2026, 3, 30, 8, 30, tzinfo=UTC)
    start = dt.datetime(2026, 3, 27, 9, tzinfo=LONDON)
    end = dt.datetime(2026, 3, 30, 17, 30, tzinfo=LONDON)
    assert cal.business_time_between(start, end) == 17 * H


# --- properties -----------------------------------------------------------------------------------
CALENDARS = {
    "china": china(),
    "uneven": BusinessCalendar(
        tz=SHANGHAI, week=weekdays(("09:00", "12:00"), ("13:30", "18:30")),
        holidays={dt.date(2026, 1, 1), dt.date(2026, 2, 16), dt.date(2026, 2, 17)},
        extra_workdays={dt.date(2026, 2, 14)},
    ),
    "new_york_nights": BusinessCalendar(
        tz=NEW_YORK, week={**weekdays(("08:00", "17:00")), 6: [(dt.time(0, 30), dt.time(3, 30))]},
        holidays={dt.date(2026, 7, 3)}, extra_workdays=set(),
    ),
    "london": BusinessCalendar(tz=LONDON, week=weekdays(("09:00", "17:30")), holidays=set(), extra_workdays=set()),
    "new_york_round_the_clock": BusinessCalendar(
        tz=NEW_YORK, week=weekdays(("00:00", "24:00"), days=range(7)),
        holidays={dt.date(2025, 12, 25), dt.date(2026, 11, 1)}, extra_workdays=set(),
    ),
    "evenings": BusinessCalendar(
        tz=LONDON, week=weekdays(("07:00", "09:00"), ("18:00", "24:00")), holidays=set(),
        extra_workdays={dt.date(2026, 3, 29)},
    ),
}

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=dt.timedelta(microseconds=1), max_value=dt.timedelta(hours=200))


def inside_or_at_end(cal: BusinessCalendar, moment: dt.datetime) -> bool:
    local = moment.astimezone(cal.tz)
    for day in (local.date(), local.date() - dt.timedelta(days=1)):
        for start, end in cal.hours_on(day):
            lo = dt.datetime.combine(day, start, tzinfo=cal.tz)
            hi = dt.datetime.combine(day + dt.timedelta(days=1) if end == MIDNIGHT else day, end, tzinfo=cal.tz)
            if lo < moment <= hi:
                return True
    return False


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=moments, duration=durations)
def test_add_then_measure_returns_the_duration(cal: BusinessCalendar, start: dt.datetime,
                                               duration: dt.timedelta) -> None:
    end = cal.add_business_time(start, duration)
    assert end > start
    assert cal.business_time_between(start, end) == duration


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=moments, duration=durations)
def test_result_is_in_working_hours_or_at_an_interval_end(cal: BusinessCalendar, start: dt.datetime,
                                                           duration: dt.timedelta) -> None:
    assert inside_or_at_end(cal, cal.add_business_time(start, duration))


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=moments, b=moments, duration=durations, extra=durations)
def test_monotonic_in_start_and_duration(cal: BusinessCalendar, a: dt.datetime, b: dt.datetime,
                                         duration: dt.timedelta, extra: dt.timedelta) -> None:
    early, late = min(a, b), max(a, b)
    assert cal.add_business_time(early, duration) <= cal.add_business_time(late, duration)
    assert cal.add_business_time(early, duration) < cal.add_business_time(early, duration + extra)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=moments, b=moments, c=moments)
def test_between_is_additive(cal: BusinessCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime) -> None:
    a, b, c = sorted((a, b, c))
    assume(a < c)
    assert cal.business_time_between(a, b) + cal.business_time_between(b, c) == cal.business_time_between(a, c)
    assert cal.business_time_between(c, a) == dt.timedelta(0)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=moments, duration=durations)
def test_fresh_and_warm_engines_agree(cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta) -> None:
    fresh = BusinessCalendar(tz=cal.tz, week=cal.week, holidays=set(cal.holidays),
                             extra_workdays=set(cal.extra_workdays))
    assert fresh.add_business_time(start, duration) == cal.add_business_time(start, duration)
