"""Mail background work: poll the IMAP mailboxes, send queued replies (every minute)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django_tasks import task

from aftersales.core.leases import register_lease
from aftersales.core.scheduler import register_job
from aftersales.mail import outbound, poller


@task()
def poll_mailboxes() -> list[dict[str, Any]]:
    """Every minute: fetch new mail from every active mailbox (see ``mail.poller``)."""
    return [asdict(report) for report in poller.poll_all()]


@task()
def send_outbound(outbound_ids: list[int]) -> dict[str, int]:
    """Enqueued after a reply commits: send those right away."""
    return asdict(outbound.deliver(ids=outbound_ids))


@task()
def send_due() -> dict[str, int]:
    """Every minute: requeue stale claims and send replies that are due (retries, missed enqueues)."""
    return asdict(outbound.deliver_due())


register_job("mail.poll", every=dt.timedelta(minutes=1), task=poll_mailboxes)
register_job("mail.send", every=dt.timedelta(minutes=1), task=send_due)
register_lease("mail.outbound", requeue=outbound.requeue_stale, wake=send_due)
