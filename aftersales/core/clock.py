"""The one source of time. Always timezone-aware UTC; tests freeze it with time-machine."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
