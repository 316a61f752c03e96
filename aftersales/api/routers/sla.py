"""/sla: business calendars, read-only — for integrations and admins checking a year at a glance.

Reads go through ``sla.access``; the working days come from the calendar's engine (weekly
hours, public holidays and make-up workdays, with the calendar's overrides winning).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import model_validator

from aftersales.api.auth import caller
from aftersales.api.schemas import ERRORS
from aftersales.sla.access import get_calendar_for_user, require_reader
from aftersales.sla.models import Calendar

router = Router()

MAX_RANGE_DAYS = 3 * 366  # "at most three years"


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str = Field(description="IANA timezone the working hours are in.")
    country: str = Field(description="ISO country whose public holidays apply; empty for none.")
    is_default: bool
    week: dict[str, list[list[str]]] = Field(
        description='Weekday ("0" Monday … "6" Sunday) → working intervals ["HH:MM", "HH:MM"] in local time; '
                    "a missing weekday is not worked."
    )


class WorkdayRange(Schema):
    start: dt.date = Field(description="First date, YYYY-MM-DD.")
    end: dt.date = Field(description="Last date (included), YYYY-MM-DD; at most three years after start.")

    @model_validator(mode="after")
    def _check_range(self) -> WorkdayRange:
        if self.end < self.start:
            raise ValueError(_("end must not be before start"))
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise ValueError(_("the range may span at most three years"))
        return self


class WorkdaysOut(Schema):
    calendar: int
    start: dt.date
    end: dt.date
    count: int
    workdays: list[dt.date] = Field(description="The dates in the range that are working days, in order.")


@router.get("/calendars", response={200: list[CalendarOut], **ERRORS}, summary="List business calendars")
def list_calendars(request: HttpRequest) -> list[Calendar]:
    require_reader(caller(request))
    return list(Calendar.objects.all())


@router.get(
    "/calendars/{calendar_id}/workdays",
    response={200: WorkdaysOut, **ERRORS},
    summary="Working days of a calendar",
    description="The dates from start to end (both included) that are working days on this calendar: weekdays "
                "with hours, less public holidays, plus make-up workdays (调休) and the calendar's overrides.",
)
def calendar_workdays(request: HttpRequest, calendar_id: int, dates: Query[WorkdayRange]) -> dict[str, Any]:
    calendar = get_calendar_for_user(caller(request), calendar_id)
    days = calendar.engine().working_days(dates.start, dates.end)
    return {"calendar": calendar.pk, "start": dates.start, "end": dates.end, "count": len(days), "workdays": days}
