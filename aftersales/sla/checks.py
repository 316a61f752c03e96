"""Configuration warnings other pages can show (e.g. next year's 调休 not entered yet)."""

from __future__ import annotations

import datetime as dt

from aftersales.sla.models import Calendar

# Countries whose governments move weekends around holidays each year (调休), published late in
# the year before, after which admins enter them as overrides.
MAKE_UP_DAY_COUNTRIES = frozenset({"CN"})
WARN_FROM_MONTH = 11


def calendars_missing_next_year(today: dt.date) -> list[Calendar]:
    """From November on: calendars in a 调休 country with no override in next year yet."""
    if today.month < WARN_FROM_MONTH:
        return []
    next_year = today.year + 1
    return list(
        Calendar.objects.filter(country__in=MAKE_UP_DAY_COUNTRIES)
        .exclude(overrides__date__year=next_year)
        .order_by("name")
    )
