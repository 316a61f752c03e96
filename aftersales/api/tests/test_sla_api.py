"""/api/v1/sla: calendars and their working days."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.sla import actions
from aftersales.sla.models import Calendar

pytestmark = pytest.mark.django_db


def test_list_calendars(api_as) -> None:
    response = api_as("viewer").get("/sla/calendars")
    assert response.status_code == 200
    [calendar] = response.json()
    assert calendar["name"] == "China (Asia/Shanghai) 09:00-18:00"
    assert calendar["is_default"] is True and calendar["country"] == "CN"
    assert calendar["week"]["0"] == [["09:00", "12:00"], ["13:00", "18:00"]]


def test_workdays_follow_holidays_make_up_days_and_overrides(api_as, personas) -> None:
    calendar = Calendar.get_default()
    api = api_as("agent")
    response = api.get(f"/sla/calendars/{calendar.pk}/workdays", {"start": "2025-09-27", "end": "2025-10-12"})
    assert response.status_code == 200
    assert response.json() == {
        "calendar": calendar.pk, "start": "2025-09-27", "end": "2025-10-12", "count": 6,
        "workdays": ["2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10", "2025-10-11"],
    }
    actions.save_override(actor=personas.lead, calendar=calendar, date=dt.date(2025, 10, 10), is_workday=False)
    response = api.get(f"/sla/calendars/{calendar.pk}/workdays", {"start": "2025-10-09", "end": "2025-10-11"})
    assert response.json()["workdays"] == ["2025-10-09", "2025-10-11"]
    whole_year = api.get(f"/sla/calendars/{calendar.pk}/workdays", {"start": "2024-01-01", "end": "2026-12-31"})
    # 2025 has one working day fewer: the override above
    assert whole_year.status_code == 200 and whole_year.json()["count"] == 251 + (248 - 1) + 248


@pytest.mark.parametrize("params", [
    {"start": "2025-13-01", "end": "2025-12-31"},
    {"start": "yesterday", "end": "2025-12-31"},
    {"start": "2025-01-01"},
    {"start": "2025-12-31", "end": "2025-01-01"},
    {"start": "2020-01-01", "end": "2023-12-31"},
])
def test_bad_ranges_are_422(api_as, params) -> None:
    response = api_as("agent").get(f"/sla/calendars/{Calendar.get_default().pk}/workdays", params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The request is invalid")


def test_access(api_as) -> None:
    pk = Calendar.get_default().pk
    params = {"start": "2025-01-01", "end": "2025-01-31"}
    assert api_as(None).get("/sla/calendars").status_code == 401
    assert api_as("outsider").get("/sla/calendars").status_code == 403
    assert api_as(None).get(f"/sla/calendars/{pk}/workdays", params).status_code == 401
    assert api_as("outsider").get(f"/sla/calendars/{pk}/workdays", params).status_code == 403
    assert api_as("viewer").get("/sla/calendars/999999/workdays", params).status_code == 404


def test_the_schema_declares_the_errors(api_as) -> None:
    schema = api_as(None).get("/openapi.json").json()
    for path in ("/api/v1/sla/calendars", "/api/v1/sla/calendars/{calendar_id}/workdays"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "401", "403", "404", "422"} <= set(responses)
