"""Periodic job: breach notices for IM targets (``aftersales.chat.notices``)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from aftersales.chat import notices
from aftersales.core.scheduler import register_job


@task()
def breach_notices() -> int:
    return notices.notify_breaches()


register_job("chat.breach_notices", every=dt.timedelta(minutes=1), task=breach_notices)
