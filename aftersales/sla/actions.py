"""Writes to calendars, overrides and policies: leads and admins only, audited, one transaction each.

A policy change calls the registered policy listeners after commit (``tickets`` recomputes its
open tickets' deadlines there), a calendar or override change the calendar listeners; the
calendar engine cache is keyed by the calendar's version, which every change here renews.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core.access import is_lead
from aftersales.sla.listeners import notify_calendar_changed, notify_policy_changed
from aftersales.sla.models import Calendar, CalendarOverride, Policy

_CALENDAR_FIELDS = ("name", "timezone", "week", "country", "is_default")
_POLICY_FIELDS = (
    "name", "order", "is_active", "is_default", "tiers", "priorities", "category_codes", "channels", "calendar",
    "first_response", "next_response", "resolution", "pause_on_waiting_customer", "pause_on_waiting_vendor",
    "warn_at_percent", "breach_raise_priority", "breach_reassign_to",
)


def require_lead(user: Any) -> None:
    """Calendars and policies are configured by leads and admins (``None`` = the system)."""
    if user is not None and not is_lead(user):
        raise PermissionDenied


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | bool | dict | list | type(None)):
        return value
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: _plain(getattr(obj, field)) for field in fields}


def save_calendar(*, actor: Any, calendar: Calendar | None = None, **values: Any) -> Calendar:
    """Create (``calendar`` None) or update a calendar. Marking one default unmarks the others."""
    require_lead(actor)
    with transaction.atomic():
        is_new = calendar is None
        if calendar is None:
            calendar = Calendar()
            before: dict[str, Any] = {}
        else:
            before = _snapshot(calendar, _CALENDAR_FIELDS)
        for key, value in values.items():
            if key not in _CALENDAR_FIELDS:
                raise TypeError(f"unknown calendar field {key}")
            setattr(calendar, key, value)
        if "country" in values:
            calendar.country = (calendar.country or "").upper()
        calendar.full_clean(validate_constraints=False)
        if calendar.is_default:
            Calendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(is_default=False)
        calendar.save()
        audit(actor=actor, action="sla.calendar.create" if is_new else "sla.calendar.update", obj=calendar,
              before=before, after=_snapshot(calendar, _CALENDAR_FIELDS))
        transaction.on_commit(partial(notify_calendar_changed, calendar))
    return calendar


def save_override(
    *, actor: Any, calendar: Calendar, date: dt.date, is_workday: bool, note: str = ""
) -> CalendarOverride:
    """Set ``date`` of ``calendar`` to a holiday or a workday (replacing an override of that date)."""
    require_lead(actor)
    with transaction.atomic():
        override = CalendarOverride.objects.select_for_update().filter(calendar=calendar, date=date).first()
        before = _snapshot(override, ("date", "is_workday", "note")) if override else {}
        if override is None:
            override = CalendarOverride(calendar=calendar, date=date)
        override.is_workday = is_workday
        override.note = note
        override.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                override.save()
        except IntegrityError as exc:  # a concurrent save of the same date
            raise ValidationError(_("This date already has an override; reload the page.")) from exc
        audit(actor=actor, action="sla.override.create" if not before else "sla.override.update", obj=override,
              before=before, after=_snapshot(override, ("date", "is_workday", "note")))
        transaction.on_commit(partial(notify_calendar_changed, calendar))
    calendar.refresh_from_db(fields=["version"])
    return override


def delete_override(*, actor: Any, override: CalendarOverride) -> None:
    require_lead(actor)
    calendar = override.calendar
    with transaction.atomic():
        before = _snapshot(override, ("date", "is_workday", "note"))
        audit(actor=actor, action="sla.override.delete", obj=override, before=before, after={})
        override.delete()
        transaction.on_commit(partial(notify_calendar_changed, calendar))
    calendar.refresh_from_db(fields=["version"])


def save_policy(*, actor: Any, policy: Policy | None = None, **values: Any) -> Policy:
    """Create or update a policy; marking it default unmarks the others. Listeners run after commit."""
    require_lead(actor)
    with transaction.atomic():
        is_new = policy is None
        if policy is None:
            policy = Policy()
            before: dict[str, Any] = {}
        else:
            before = _snapshot(policy, _POLICY_FIELDS)
        for key, value in values.items():
            if key not in _POLICY_FIELDS:
                raise TypeError(f"unknown policy field {key}")
            setattr(policy, key, value)
        if not is_new and before.get("is_default") and not policy.is_default:
            raise ValidationError({"is_default": _("Mark another policy as the default instead.")})
        if policy.is_default and not policy.is_active:
            raise ValidationError({"is_active": _("The default policy must stay active.")})
        policy.full_clean(validate_constraints=False)
        if policy.is_default:
            Policy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
        policy.save()
        audit(actor=actor, action="sla.policy.create" if is_new else "sla.policy.update", obj=policy,
              before=before, after=_snapshot(policy, _POLICY_FIELDS))
        transaction.on_commit(partial(notify_policy_changed, policy))
    return policy
