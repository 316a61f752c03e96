"""Roles and the checks every view and endpoint use.

Roles are Django groups named after ``people.models.Role``. Staff roles (admin, lead, agent,
viewer) reach the agent desk; viewers read only. A user with no role (for example a
portal contact, later) never reaches agent pages. Object access lives in one helper per
object kind (``tickets.access``, ``customers.access``) built on these.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

STAFF_ROLES = ("admin", "lead", "agent", "viewer")
WRITE_ROLES = ("admin", "lead", "agent")
LEAD_ROLES = ("admin", "lead")
ADMIN_ROLES = ("admin",)


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_aftersales_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add("admin")
        cached = frozenset(names)
        user._aftersales_roles = cached
    return cached


def is_staff_member(user: Any) -> bool:
    return bool(roles_of(user) & set(STAFF_ROLES))


def can_write(user: Any) -> bool:
    return bool(roles_of(user) & set(WRITE_ROLES))


def is_lead(user: Any) -> bool:
    return bool(roles_of(user) & set(LEAD_ROLES))


def is_admin(user: Any) -> bool:
    """Admins only (superusers count as admins): the few actions nobody else may take, such as
    exporting or erasing a customer's personal data."""
    return bool(roles_of(user) & set(ADMIN_ROLES))


def oversees_desk(user: Any) -> bool:
    """Leads and admins (who run the desk) and viewers (who watch it): team-wide figures such as the
    workload and the reports. Agents see their own work, not each other's numbers."""
    return is_lead(user) or "viewer" in roles_of(user)


def require_staff(user: Any) -> None:
    if not is_staff_member(user):
        raise PermissionDenied


def require_write(user: Any) -> None:
    if not can_write(user):
        raise PermissionDenied


def require_lead(user: Any) -> None:
    """Leads and admins only (a staff role is implied)."""
    if not is_lead(user):
        raise PermissionDenied


def require_admin(user: Any) -> None:
    """Admins only."""
    if not is_admin(user):
        raise PermissionDenied
