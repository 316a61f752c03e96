from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.notify.models import Notification


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
