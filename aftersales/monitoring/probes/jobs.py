"""The probes' scheduler jobs: due probes every minute, the results' retention daily (03:10 UTC).
Imported from the bottom of ``monitoring.tasks`` so ``discover_jobs`` registers them."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.scheduler import register_job


@task()
def run_probes() -> dict[str, Any]:
    """Every minute: run the enabled probes that are due; alerts, incidents and tickets follow."""
    from aftersales.monitoring.probes.runner import run_due

    return asdict(run_due())


register_job("monitoring.run_probes", every=dt.timedelta(minutes=1), task=run_probes)


@task()
def purge_probe_results() -> dict[str, Any]:
    """Daily: delete probe results older than MONITORING_PROBE_RESULT_DAYS (30)."""
    from aftersales.monitoring.probes.runner import purge_results

    return {"deleted": purge_results()}


register_job(
    "monitoring.purge_probe_results",
    every=dt.timedelta(days=1),
    offset=dt.timedelta(hours=3, minutes=10),
    task=purge_probe_results,
)
