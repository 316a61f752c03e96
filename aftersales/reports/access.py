"""Who sees reports: leads and admins (who run the desk) and viewers (who watch it), like the workload."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from aftersales.core.access import oversees_desk


def can_see_reports(user: Any) -> bool:
    return oversees_desk(user)


def require_reports(user: Any) -> None:
    if not can_see_reports(user):
        raise PermissionDenied
