"""Other apps react to policy and calendar changes without sla importing them.

``tickets`` registers a listener (at app ready) that recomputes its open tickets' deadlines;
``sla.actions.save_policy`` calls every policy listener through ``transaction.on_commit``, and
``save_calendar`` / ``save_override`` / ``delete_override`` call the calendar listeners the same
way (a changed calendar moves the deadlines of tickets on it, whichever policy they have).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aftersales.sla.models import Calendar, Policy

PolicyListener = Callable[["Policy"], object]  # the return value is ignored

_policy_listeners: list[PolicyListener] = []


def register_policy_listener(fn: PolicyListener) -> PolicyListener:
    """Call ``fn(policy)`` after every committed policy change. Idempotent; usable as a decorator."""
    if fn not in _policy_listeners:
        _policy_listeners.append(fn)
    return fn


def unregister_policy_listener(fn: PolicyListener) -> None:
    if fn in _policy_listeners:
        _policy_listeners.remove(fn)


def policy_listeners() -> list[PolicyListener]:
    return list(_policy_listeners)


def notify_policy_changed(policy: Policy) -> None:
    for listener in policy_listeners():
        listener(policy)


CalendarListener = Callable[["Calendar"], object]  # the return value is ignored

_calendar_listeners: list[CalendarListener] = []


def register_calendar_listener(fn: CalendarListener) -> CalendarListener:
    """Call ``fn(calendar)`` after every committed change to a calendar or its overrides."""
    if fn not in _calendar_listeners:
        _calendar_listeners.append(fn)
    return fn


def unregister_calendar_listener(fn: CalendarListener) -> None:
    if fn in _calendar_listeners:
        _calendar_listeners.remove(fn)


def notify_calendar_changed(calendar: Calendar) -> None:
    for listener in list(_calendar_listeners):
        listener(calendar)
