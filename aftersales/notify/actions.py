"""Writes a person makes to their own notifications."""

from __future__ import annotations

from typing import Any

from aftersales.core import clock
from aftersales.notify.models import Notification


def mark_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark one of ``user``'s notifications read; None when it is not theirs."""
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=clock.now())
