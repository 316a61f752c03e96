"""Background delivery of the outbox (``aftersales.notify.delivery``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django_tasks import task

from aftersales.core.leases import register_lease
from aftersales.core.scheduler import register_job
from aftersales.notify import delivery


@task()
def deliver_now(delivery_ids: list[int]) -> dict[str, int]:
    """Enqueued after a commit that wrote deliveries: send those right away."""
    return asdict(delivery.deliver(ids=delivery_ids))


@task()
def deliver_due() -> dict[str, int]:
    """Every minute: requeue stale claims and send whatever is due (retries, missed enqueues)."""
    return asdict(delivery.deliver_due())


register_job("notify.deliver", every=dt.timedelta(minutes=1), task=deliver_due)
register_lease("notify.deliveries", requeue=delivery.requeue_stale, wake=deliver_due)
