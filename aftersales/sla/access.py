"""Who may see and change calendars and policies: staff read, leads and admins write.

A user without a staff role gets 403 before any object is looked up (so an outsider cannot
probe which ids exist); an unknown id is a 404 for staff.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from aftersales.core.access import is_lead, require_staff
from aftersales.sla.models import Calendar, CalendarOverride, Policy


def require_reader(user: Any) -> None:
    require_staff(user)


def require_configurer(user: Any) -> None:
    require_staff(user)
    if not is_lead(user):
        raise PermissionDenied


def _check(user: Any, write: bool) -> None:
    require_configurer(user) if write else require_reader(user)


def get_calendar_for_user(user: Any, pk: int, *, write: bool = False) -> Calendar:
    _check(user, write)
    try:
        return Calendar.objects.get(pk=pk)
    except Calendar.DoesNotExist as exc:
        raise Http404("No such calendar") from exc


def get_override_for_user(user: Any, calendar: Calendar, pk: int, *, write: bool = False) -> CalendarOverride:
    _check(user, write)
    try:
        return calendar.overrides.get(pk=pk)
    except CalendarOverride.DoesNotExist as exc:
        raise Http404("No such override") from exc


def get_policy_for_user(user: Any, pk: int, *, write: bool = False) -> Policy:
    _check(user, write)
    try:
        return Policy.objects.select_related("calendar").get(pk=pk)
    except Policy.DoesNotExist as exc:
        raise Http404("No such policy") from exc
