"""CSAT background work: send the queued survey emails (right after the commit, and every minute
for retries and missed enqueues). Imported by ``feedback.csat.register()`` so the job is known
wherever the app is loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django_tasks import task

from aftersales.core.leases import register_lease
from aftersales.core.scheduler import register_job
from aftersales.feedback import csat_mail


@task()
def send_csat_emails(email_ids: list[int]) -> dict[str, int]:
    """Enqueued after a survey email is queued: send those right away."""
    return asdict(csat_mail.deliver(ids=email_ids))


@task()
def send_csat_due() -> dict[str, int]:
    """Every minute: requeue stale claims and send survey emails that are due."""
    return asdict(csat_mail.deliver_due())


register_job("feedback.csat_send", every=dt.timedelta(minutes=1), task=send_csat_due)
register_lease("feedback.csat_emails", requeue=csat_mail.OUTBOX.requeue_stale, wake=send_csat_due)
