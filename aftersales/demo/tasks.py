"""The live demo's job (``demo.live_traffic``, every minute): see ``aftersales.demo.live``. It does
nothing on a desk the demo did not load, or with ``DEMO_LIVE_TRAFFIC=false``."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.scheduler import register_job


@task()
def live_traffic() -> dict[str, Any]:
    """Every minute: the demo's simulated traffic since the last run, through the ingestion path."""
    from aftersales.demo import live

    done = asdict(live.run())
    return {key: value.isoformat() if isinstance(value, dt.datetime) else value for key, value in done.items()}


register_job("demo.live_traffic", every=dt.timedelta(minutes=1), task=live_traffic)
