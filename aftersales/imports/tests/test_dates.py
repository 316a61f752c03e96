"""The legacy date parser: every form the old logs use, the year from context, d/m order per file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.imports.interpret import DateContext, find_date, leading_date, parse_date, scan_day_first

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def ctx(**kwargs: object) -> DateContext:
    return DateContext(tz=SHANGHAI, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("2025/3/5", at(2025, 3, 5), False),
        ("2025-03-06 14:20", at(2025, 3, 6, 14, 20), True),
        ("2025/03/12 9:05", at(2025, 3, 12, 9, 5), True),
        ("3月7日", at(2025, 3, 7), False),
        ("2025年4月3日", at(2025, 4, 3), False),
        ("2025年4月3日 下午3点", at(2025, 4, 3, 15), True),
        ("2025年4月3日下午3点半", at(2025, 4, 3, 15, 30), True),
        ("2025年4月3日 上午9点15分", at(2025, 4, 3, 9, 15), True),
        ("2025年4月3日 晚上8点", at(2025, 4, 3, 20), True),
        ("2025年4月3日 中午12点", at(2025, 4, 3, 12), True),
        ("20250308", at(2025, 3, 8), False),
        ("2025.03.10", at(2025, 3, 10), False),
        ("4/8", at(2025, 4, 8), False),
        ("5.6", at(2025, 5, 6), False),
        ("5/9", at(2025, 5, 9), False),
        ("May 3", at(2025, 5, 3), False),
        ("June 10", at(2025, 6, 10), False),
        ("Mar 5, 2024", at(2024, 3, 5), False),
        ("3rd May 2024", at(2024, 5, 3), False),
        ("2025-04-22T10:00:00+08:00", at(2025, 4, 22, 10), True),
        ("2025-04-22T02:00:00Z", at(2025, 4, 22, 10), True),
        ("2025-04-22T10:00:00+02:00", at(2025, 4, 22, 16), True),
        ("45721", at(2025, 3, 5), False),
        ("45721.5", at(2025, 3, 5, 12), True),
        ("２０２５／３／５", at(2025, 3, 5), False),
        ("2025/3/5 (周三)", at(2025, 3, 5), False),
        ("2025-03-06 2:20 pm", at(2025, 3, 6, 14, 20), True),
    ],
)
def test_every_form_of_the_samples_parses(text: str, expected: dt.datetime, has_time: bool) -> None:
    parsed = parse_date(text, context=ctx(file_year=2025))
    assert parsed is not None, text
    assert parsed.value == expected
    assert parsed.value.tzinfo is not None
    assert parsed.has_time is has_time


@pytest.mark.parametrize(
    "text", ["12h", "????", "日期不记得了", "", "   ", "abc", "2025/13/40", "13/13", "7", "3 万条", "999999"]
)
def test_garbage_is_not_a_date(text: str) -> None:
    assert parse_date(text, context=ctx(file_year=2025)) is None


def test_the_year_comes_from_the_running_year_then_the_file_then_the_option() -> None:
    context = ctx(file_year=2024, year=2023)
    assert parse_date("4/8", context=context).value.year == 2024  # type: ignore[union-attr]
    context.observe(parse_date("2026/1/2", context=context))  # type: ignore[arg-type]
    parsed = parse_date("3月7日", context=context)
    assert parsed is not None and parsed.value == at(2026, 3, 7) and parsed.year_from == "running"
    assert parse_date("4/8", context=ctx(year=2023)).value.year == 2023  # type: ignore[union-attr]


def test_a_running_year_rolls_over_at_new_year() -> None:
    context = ctx()
    context.observe(parse_date("2024/12/28", context=context))  # type: ignore[arg-type]
    assert parse_date("1/3", context=context).value == at(2025, 1, 3)  # type: ignore[union-attr]


def test_without_any_year_the_current_year_is_assumed() -> None:
    parsed = parse_date("4/8", context=ctx(fallback_year=2031))
    assert parsed is not None and parsed.value.year == 2031 and parsed.year_from == "clock"


def test_day_month_order_is_decided_per_file() -> None:
    assert scan_day_first(["2025/3/5", "4/8", "12/11"]) is False
    assert scan_day_first(["4/8", "25/3"]) is True
    month_first = parse_date("4/8", context=ctx(file_year=2025))
    day_first = parse_date("4/8", context=ctx(file_year=2025, day_first=True))
    assert month_first is not None and month_first.value == at(2025, 4, 8) and month_first.ambiguous
    assert day_first is not None and day_first.value == at(2025, 8, 4)
    # A first number over 12 can only be a day, whatever the file's rule.
    assert parse_date("25/3", context=ctx(file_year=2025)).value == at(2025, 3, 25)  # type: ignore[union-attr]


def test_times_are_in_the_chosen_timezone() -> None:
    london = ZoneInfo("Europe/London")
    parsed = parse_date("2025-03-06 14:20", context=DateContext(tz=london))
    assert parsed is not None and parsed.value == dt.datetime(2025, 3, 6, 14, 20, tzinfo=london)
    iso = parse_date("2025-04-22T10:00:00+08:00", context=DateContext(tz=london))
    assert iso is not None and iso.value.utcoffset() == dt.timedelta(hours=1) and iso.value.hour == 3


def test_leading_date_of_a_note_and_the_rest_as_written() -> None:
    found = leading_date("5.6 客户反馈：越南短信发送失败率高。", context=ctx(file_year=2025))
    assert found is not None
    assert found[0].value == at(2025, 5, 6)
    assert found[1] == "客户反馈：越南短信发送失败率高。"
    found = leading_date("May 3: customer asked", context=ctx(file_year=2025))
    assert found is not None and found[1] == "customer asked"
    found = leading_date("2025-05-08 11:00 inbound: asked", context=ctx())
    assert found is not None and found[0].value == at(2025, 5, 8, 11) and found[1] == "inbound: asked"
    assert leading_date("12h 内 3 万条", context=ctx(file_year=2025)) is None
    assert leading_date("???? 客户电话投诉", context=ctx(file_year=2025)) is None


def test_find_date_in_free_text_skips_ambiguous_short_forms() -> None:
    assert find_date("submitted 2025-02-20", context=ctx()).value == at(2025, 2, 20)  # type: ignore[union-attr]
    assert find_date("比例 4/8 左右", context=ctx(file_year=2025)) is None
    assert find_date("尼日利亚流量异常暴增 (12h 内 3 万条)", context=ctx(file_year=2025)) is None


# --- property: a date formatted in each supported style parses back to itself -----------------

STYLES = [
    ("ymd-slash", lambda d: f"{d.year}/{d.month}/{d.day}", False),
    ("ymd-dash-time", lambda d: f"{d:%Y-%m-%d %H:%M}", True),
    ("ymd-dot", lambda d: f"{d:%Y.%m.%d}", False),
    ("compact", lambda d: f"{d:%Y%m%d}", False),
    ("cjk-full", lambda d: f"{d.year}年{d.month}月{d.day}日", False),
    ("cjk-month-day", lambda d: f"{d.month}月{d.day}日", False),
    (
        "cjk-period",
        lambda d: (
            f"{d.year}年{d.month}月{d.day}日 "
            + (f"上午{d.hour}点" if d.hour < 12 else "中午12点" if d.hour == 12 else f"下午{d.hour - 12}点")
            + f"{d.minute}分"
        ),
        True,
    ),
    ("short-slash", lambda d: f"{d.month}/{d.day}", False),
    ("short-dot", lambda d: f"{d.month}.{d.day}", False),
    ("month-name", lambda d: f"{d:%B} {d.day}", False),
    ("month-abbr-year", lambda d: f"{d:%b} {d.day}, {d.year}", False),
    ("iso-offset", lambda d: d.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat(timespec="seconds"), True),
    ("excel-serial", lambda d: str((d.date() - dt.date(1899, 12, 30)).days), False),
]


@settings(max_examples=60, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31, 23, 59)),
    style=st.sampled_from(STYLES),
)
def test_a_formatted_date_parses_back_to_itself(moment: dt.datetime, style: tuple) -> None:  # type: ignore[type-arg]
    _name, fmt, keeps_time = style
    moment = moment.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
    expected = moment if keeps_time else moment.replace(hour=0, minute=0)
    parsed = parse_date(fmt(moment), context=ctx(file_year=moment.year))
    assert parsed is not None, fmt(moment)
    assert parsed.value == expected, fmt(moment)
