"""Who may see and change chat channels and IM targets: staff read; leads and admins configure."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from aftersales.core.access import is_lead, require_staff


def can_configure(user: Any) -> bool:
    return is_lead(user)


def require_reader(user: Any) -> None:
    require_staff(user)


def require_configurer(user: Any) -> None:
    require_staff(user)
    if not can_configure(user):
        raise PermissionDenied
