"""The daily retention purge (03:40 UTC), after monitoring's own telemetry purges."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.scheduler import register_job


@task()
def purge_expired() -> dict[str, Any]:
    """Daily: raw mail and chat bodies, sent-mail copies and message bodies older than their RETENTION_* window."""
    from aftersales.privacy import retention

    return asdict(retention.run())


register_job("privacy.retention", every=dt.timedelta(days=1), offset=dt.timedelta(hours=3, minutes=40),
             task=purge_expired)
