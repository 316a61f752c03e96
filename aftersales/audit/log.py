"""Write audit entries. Every action calls ``record`` inside its transaction."""

from __future__ import annotations

import contextvars
from typing import Any

from django.db import models

from aftersales.audit.models import AuditEntry
from aftersales.core import bulk, clock
from aftersales.core.logging import request_id_var

# Set by the web layer for the duration of a request so actions need not pass it around.
client_ip_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    entry = build(actor=actor, action=action, obj=obj, before=before, after=after, ip=ip)
    entry.save(force_insert=True)
    return entry


def build(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    at: Any = None,
) -> AuditEntry:
    """The entry, unsaved (``at`` defaults to now): for batched writers, which save many in one INSERT."""
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return bulk.new(
        AuditEntry,
        at=at or clock.now(),
        actor=actor_user,
        actor_label=actor_user.get_username() if actor_user else "system",
        ip=ip or client_ip_var.get(),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:200] if obj is not None else "",
        before=before or {},
        after=after or {},
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )
