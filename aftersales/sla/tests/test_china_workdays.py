"""China's working days 2024-2026 against an independent source: the State Council's notices.

The lists below are typed from the General Office of the State Council's annual notices on
public-holiday arrangements (国务院办公厅关于…年部分节假日安排的通知): 国办发明电〔2023〕7号
(2024), 国办发明电〔2024〕12号 (2025) and the notice for 2026 published in November 2025. Each
entry is one holiday block as published ("放假调休，共 N 天") and the weekend days worked
("上班") for it. The expected working days are Monday-Friday outside the blocks plus the make-up
days; the package (``holidays``) and the default calendar must agree exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import holidays
import pytest

from aftersales.sla.models import Calendar


def _span(first: str, last: str) -> set[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return {start + dt.timedelta(days=n) for n in range((end - start).days + 1)}


# year → (days off as published, weekend days worked)
STATE_COUNCIL: dict[int, tuple[set[dt.date], set[dt.date]]] = {
    2024: (
        _span("2024-01-01", "2024-01-01")  # 元旦
        | _span("2024-02-10", "2024-02-17")  # 春节 8 天
        | _span("2024-04-04", "2024-04-06")  # 清明
        | _span("2024-05-01", "2024-05-05")  # 劳动节
        | _span("2024-06-10", "2024-06-10")  # 端午 (6/8-6/10, the weekend plus Monday)
        | _span("2024-09-15", "2024-09-17")  # 中秋
        | _span("2024-10-01", "2024-10-07"),  # 国庆
        {dt.date(2024, 2, 4), dt.date(2024, 2, 18),  # 春节: Sun 2/4, Sun 2/18
         dt.date(2024, 4, 7),  # 清明: Sun 4/7
         dt.date(2024, 4, 28), dt.date(2024, 5, 11),  # 劳动节: Sun 4/28, Sat 5/11
         dt.date(2024, 9, 14),  # 中秋: Sat 9/14
         dt.date(2024, 9, 29), dt.date(2024, 10, 12)},  # 国庆: Sun 9/29, Sat 10/12
    ),
    2025: (
        _span("2025-01-01", "2025-01-01")  # 元旦
        | _span("2025-01-28", "2025-02-04")  # 春节 8 天 (除夕 now a holiday)
        | _span("2025-04-04", "2025-04-06")  # 清明
        | _span("2025-05-01", "2025-05-05")  # 劳动节
        | _span("2025-05-31", "2025-06-02")  # 端午
        | _span("2025-10-01", "2025-10-08"),  # 国庆 + 中秋 8 天
        {dt.date(2025, 1, 26), dt.date(2025, 2, 8),  # 春节: Sun 1/26, Sat 2/8
         dt.date(2025, 4, 27),  # 劳动节: Sun 4/27
         dt.date(2025, 9, 28), dt.date(2025, 10, 11)},  # 国庆: Sun 9/28, Sat 10/11
    ),
    2026: (
        _span("2026-01-01", "2026-01-03")  # 元旦 3 天
        | _span("2026-02-15", "2026-02-23")  # 春节 9 天
        | _span("2026-04-04", "2026-04-06")  # 清明
        | _span("2026-05-01", "2026-05-05")  # 劳动节
        | _span("2026-06-19", "2026-06-21")  # 端午
        | _span("2026-09-25", "2026-09-27")  # 中秋
        | _span("2026-10-01", "2026-10-07"),  # 国庆
        {dt.date(2026, 1, 4),  # 元旦: Sun 1/4
         dt.date(2026, 2, 14), dt.date(2026, 2, 28),  # 春节: Sat 2/14, Sat 2/28
         dt.date(2026, 5, 9),  # 劳动节: Sat 5/9
         dt.date(2026, 9, 20), dt.date(2026, 10, 10)},  # 国庆: Sun 9/20, Sat 10/10
    ),
}

def expected_workdays(year: int) -> list[dt.date]:
    off, worked = STATE_COUNCIL[year]
    days = _span(f"{year}-01-01", f"{year}-12-31")
    return sorted(d for d in days if (d.weekday() < 5 and d not in off) or d in worked)


@pytest.mark.parametrize("year", sorted(STATE_COUNCIL))
def test_the_lists_are_consistent(year: int) -> None:
    off, worked = STATE_COUNCIL[year]
    assert not off & worked
    assert all(day.weekday() >= 5 for day in worked), "make-up days fall on weekends"
    assert all(day.year == year for day in off | worked)


@pytest.mark.parametrize("year", sorted(STATE_COUNCIL))
def test_holidays_package_agrees_with_the_state_council(year: int) -> None:
    data = holidays.country_holidays("CN", years=year)
    package = [d for d in sorted(_span(f"{year}-01-01", f"{year}-12-31")) if data.is_working_day(d)]
    assert package == expected_workdays(year)
    assert {d for d in data.weekend_workdays if d.year == year} == STATE_COUNCIL[year][1]


@pytest.mark.django_db
@pytest.mark.parametrize("year", sorted(STATE_COUNCIL))
def test_default_calendar_agrees_with_the_state_council(year: int, time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 25, tzinfo=dt.UTC))
    engine = Calendar.get_default().engine()
    assert engine.working_days(dt.date(year, 1, 1), dt.date(year, 12, 31)) == expected_workdays(year)
