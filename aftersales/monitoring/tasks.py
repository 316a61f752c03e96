"""Monitoring background work: the monitor pass (every 5 minutes, ``monitoring.alerts.evaluate_all``);
telemetry: the drain of stored events (every minute) and the retention purge (daily)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.scheduler import register_job


@task()
def evaluate_monitors() -> dict[str, Any]:
    """Every 5 minutes: run every monitor over the rollups; upsert alerts, open/update/resolve incidents
    and their proactive tickets."""
    from aftersales.monitoring.alerts import evaluate_all

    return asdict(evaluate_all())


register_job("monitoring.evaluate_monitors", every=dt.timedelta(minutes=5), task=evaluate_monitors)


@task()
def process_stored_events() -> dict[str, Any]:
    """Every minute: record telemetry whose webhook fast path failed (raw events still "stored")."""
    from aftersales.monitoring.actions_ingestion import process_stored

    done = process_stored()
    return {"raw_events": done.raw_events, "invalid": done.invalid, "recorded": done.result.recorded}


register_job("monitoring.process_stored_events", every=dt.timedelta(minutes=1), task=process_stored_events)


@task()
def purge_old_telemetry() -> dict[str, Any]:
    """Daily (02:30 UTC): purge raw events and message parts older than MONITORING_RAW_DAYS; rollups stay."""
    from aftersales.monitoring.actions_ingestion import purge_old_telemetry as purge

    return asdict(purge())


register_job(
    "monitoring.purge_old_telemetry", every=dt.timedelta(days=1), offset=dt.timedelta(hours=2, minutes=30),
    task=purge_old_telemetry,
)


from aftersales.monitoring import reports_pull as _reports_pull  # noqa: E402,F401 - registers monitoring.pull_reports
from aftersales.monitoring.probes import jobs as _probe_jobs  # noqa: E402,F401 - registers the probe jobs
