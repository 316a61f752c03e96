"""Burn rate and runway from readings: top-ups are jumps, not negative burn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from aftersales.sms import runway

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def steady(start: Decimal, burn: Decimal, hours: int, *, step: int = 1) -> list[tuple[datetime, Decimal]]:
    return [(T0 + timedelta(hours=h), start - burn * h) for h in range(0, hours + 1, step)]


def test_a_steady_burn_gives_the_runway_to_zero():
    result = runway.compute(steady(Decimal(100), Decimal(1), 24))
    assert result.burn_per_hour == Decimal(1)
    assert result.balance == Decimal(76)
    assert result.runway == timedelta(hours=76)
    assert runway.runs_out_text(result) == "runs out in about 3 days"
    assert result.basis == "based on 25 readings over the last 24 hours"


def test_a_top_up_is_ignored_not_counted_as_negative_burn():
    readings = steady(Decimal(100), Decimal(2), 10)
    readings += [(T0 + timedelta(hours=h), Decimal(500) - 2 * (h - 11)) for h in range(11, 21)]
    result = runway.compute(readings)
    assert result.top_ups == 1
    # 10 h at 2/h before, 9 h at 2/h after: 38 spent over 20 h
    assert result.burn_per_hour == Decimal("1.9")
    assert result.basis == "based on 21 readings over the last 20 hours; 1 top-up ignored"


def test_no_burn_means_no_runway():
    flat = [(T0 + timedelta(hours=h), Decimal(50)) for h in range(5)]
    result = runway.compute(flat)
    assert result.runway is None
    assert runway.runs_out_text(result) == "no spending measured"
    assert runway.compute([]).runway is None
    assert runway.compute(flat[:1]).runway is None


def test_only_the_window_counts():
    old = steady(Decimal(1000), Decimal(10), 100)  # fast burn long ago …
    recent = [(T0 + timedelta(hours=200 + h), Decimal(10) - Decimal("0.1") * h) for h in range(73)]
    result = runway.compute(old + recent)
    assert result.readings == 73
    assert result.burn_per_hour == Decimal("0.1")
    assert result.basis == "based on 73 readings over the last 3 days"
    with translation.override("zh-hans"):  # one sentence, its span first, Chinese punctuation
        assert result.basis == "基于最近 3 天的 73 次读数"
        with_top_up = runway.compute([*steady(Decimal(50), Decimal(1), 21), (T0 + timedelta(hours=22), Decimal(80))])
        assert with_top_up.basis.endswith("；已忽略 1 次充值")


def test_a_credit_limit_moves_the_floor_and_an_empty_account_has_run_out():
    result = runway.compute(steady(Decimal(10), Decimal(1), 10), floor=Decimal(-24))
    assert result.runway == timedelta(hours=24)
    empty = runway.compute(steady(Decimal(5), Decimal(1), 6))
    assert empty.runway == timedelta(0)
    assert runway.runs_out_text(empty) == "has run out"
    assert runway.runs_out_text(runway.compute(steady(Decimal(10), Decimal(1), 5))) == "runs out in about 5 hours"


money = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=71 * 60), money), min_size=0, max_size=60))
def test_properties(points):
    readings = [(T0 + timedelta(minutes=m), value) for m, value in points]
    result = runway.compute(readings)
    assert result.burn_per_hour >= 0
    assert result.readings == len(readings)
    if result.runway is not None:
        assert result.runway >= timedelta(0)
        assert result.burn_per_hour > 0
    assert 0 <= result.top_ups < max(1, len(readings))
    assert result.basis.startswith("based on")


@given(money.filter(lambda v: v > 0), st.lists(money, min_size=1, max_size=5))
def test_top_ups_are_counted_and_never_raise_or_negate_the_burn(start, jumps):
    """Money added between readings is a top-up: counted, and never read as negative (or extra) burn."""
    base = steady(start + 1000, Decimal(1), 20)
    topped = []
    extra = Decimal(0)
    for i, (at, value) in enumerate(base):
        if 0 < i <= len(jumps):
            extra += jumps[i - 1] + Decimal("1.01")
        topped.append((at, value + extra))
    result = runway.compute(topped)
    assert result.top_ups == len(jumps)
    assert 0 < result.burn_per_hour <= runway.compute(base).burn_per_hour
