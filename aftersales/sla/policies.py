"""Which policy applies to a ticket, from plain values (the app knows no tickets).

The active policies (with their calendars) are cached per process and reloaded whenever the
``sla`` stamp changes (``aftersales.core.stamps``): any save, delete or queryset write of a
policy, calendar or calendar override bumps it, so an admin's edit applies to the next ticket.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from aftersales.core.stamps import StampedCache
from aftersales.sla.business_time import BusinessCalendar
from aftersales.sla.models import STAMP, Calendar, Policy


@dataclass(frozen=True)
class _Policies:
    matching: tuple[Policy, ...]  # active, not the default, in order
    default: Policy | None
    calendars: dict[int, Calendar]  # every calendar (customers may have their own)


def _load() -> _Policies:
    calendars = {calendar.pk: calendar for calendar in Calendar.objects.all()}
    matching = tuple(Policy.objects.filter(is_active=True, is_default=False))
    default = Policy.objects.filter(is_default=True).first()
    for policy in (*matching, default):
        if policy is not None and policy.calendar_id in calendars:
            policy.calendar = calendars[policy.calendar_id]
    return _Policies(matching, default, calendars)


_cache: StampedCache[_Policies] = StampedCache(STAMP, _load)


def _copy(policy: Policy) -> Policy:
    """Each caller gets its own instance (the calendar is shared: nothing writes to it)."""
    return copy.copy(policy)


def select_policy(*, tier: str | None, priority: int, category_code: str | None, channel: str) -> Policy:
    """The first active policy (by order, then name) whose conditions match, else the default.

    The default policy is the one marked ``is_default`` (the migration ships one); if an admin
    removed the mark, a default is recreated on the default calendar rather than failing.
    """
    policies = _cache.get()
    for policy in policies.matching:
        if policy.matches(tier=tier, priority=priority, category_code=category_code, channel=channel):
            return _copy(policy)
    if policies.default is not None:
        return _copy(policies.default)
    return default_policy()


def cached_policy(pk: int | None) -> Policy | None:
    """The active or default policy ``pk`` with its calendar, from the cache (None if not there)."""
    policies = _cache.get()
    for policy in (*policies.matching, policies.default):
        if policy is not None and policy.pk == pk:
            return _copy(policy)
    return None


def cached_calendar(pk: int | None) -> Calendar | None:
    """Calendar ``pk`` from the cache (None if not there). Shared: callers must not change it."""
    return _cache.get().calendars.get(pk) if pk is not None else None


def default_engine() -> BusinessCalendar:
    """The default policy's business calendar arithmetic, without copying the policy (read only)."""
    policy = _cache.get().default
    if policy is None:
        return default_policy().calendar.engine()
    calendar = cached_calendar(policy.calendar_id) or policy.calendar
    return calendar.engine()


def default_policy() -> Policy:
    policy = _cache.get().default
    if policy is not None:
        return _copy(policy)
    policy, _created = Policy.objects.get_or_create(
        name="Default",
        defaults={"is_default": True, "order": 1000, "calendar": Calendar.get_default()},
    )
    return policy
