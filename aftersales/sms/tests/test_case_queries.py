"""Vendor response-time figures: median first response and resolution per vendor per month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from aftersales.sms import case_queries, cases

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _case(personas, number: str, *, vendor: str = "vonage", opened: datetime, answered_after: float | None = None,
          resolved_after: float | None = None) -> None:  # fmt: skip
    with time_machine.travel(opened, tick=False):
        case = cases.open_case(vendor=vendor, case_number=number, subject=number, actor=personas.agent)
    if answered_after is not None:
        with time_machine.travel(opened + timedelta(hours=answered_after), tick=False):
            cases.record_vendor_response(case=case, body="answer", actor=None)
    if resolved_after is not None:
        with time_machine.travel(opened + timedelta(hours=resolved_after), tick=False):
            cases.change_case_status(case=case, status="resolved", actor=personas.agent)


def test_medians_per_vendor_and_month(personas, django_assert_max_num_queries):
    november = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    _case(personas, "1", opened=november, answered_after=10, resolved_after=48)
    _case(personas, "2", opened=november, answered_after=20, resolved_after=100)
    _case(personas, "3", opened=november, answered_after=60)  # answered, still open
    _case(personas, "4", opened=november)  # no answer yet
    _case(personas, "5", opened=datetime(2026, 9, 10, 2, 0, tzinfo=UTC), answered_after=4, resolved_after=24)
    _case(personas, "6", vendor="simulator", opened=november, answered_after=1, resolved_after=2)
    _case(personas, "old", opened=datetime(2025, 6, 1, tzinfo=UTC), answered_after=1000, resolved_after=2000)
    with time_machine.travel(NOW, tick=False), timezone.override("UTC"), django_assert_max_num_queries(1):
        figures = case_queries.response_figures(months=6)
    assert [vendor.vendor for vendor in figures] == ["simulator", "vonage"]
    vonage = figures[1]
    assert [m.month for m in vonage.months] == [
        date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1), date(2026, 8, 1), date(2026, 7, 1), date(2026, 6, 1)
    ]  # fmt: skip
    nov = vonage.months[0]
    assert (nov.opened, nov.answered, nov.resolved, nov.unanswered) == (4, 3, 2, 1)
    assert nov.median_first_response == 20.0  # 10, 20, 60
    assert nov.median_resolution == 74.0  # 48, 100
    assert vonage.months[1].opened == 0 and vonage.months[1].median_first_response is None
    assert vonage.months[2].median_first_response == 4.0
    total = vonage.total
    assert total.opened == 5 and total.median_first_response == 15.0 and total.median_resolution == 48.0
    assert figures[0].months[0].median_resolution == 2.0


def test_months_follow_the_active_time_zone(personas):
    # 31 October 20:00 UTC is already 1 November in Shanghai.
    _case(personas, "1", opened=datetime(2026, 10, 31, 20, 0, tzinfo=UTC), answered_after=5)
    with time_machine.travel(NOW, tick=False), timezone.override("Asia/Shanghai"):
        (vonage,) = case_queries.response_figures(months=2)
    assert vonage.months[0].month == date(2026, 11, 1) and vonage.months[0].opened == 1
    with time_machine.travel(NOW, tick=False), timezone.override("UTC"):
        (vonage,) = case_queries.response_figures(months=2)
    assert vonage.months[1].month == date(2026, 10, 1) and vonage.months[1].opened == 1


def test_no_cases_no_figures(personas):
    assert case_queries.response_figures() == []
