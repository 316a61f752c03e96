"""Reports background work: the scheduled reviews, queued and sent every hour (a period once), and
the stored daily figures brought up to date every 5 minutes (so a page seldom recounts a day)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django_tasks import task

from aftersales.core.leases import register_lease
from aftersales.core.scheduler import register_job


@task()
def send_scheduled_reviews() -> dict[str, int]:
    """Hourly (at :20): queue the reviews whose period is due and send those pending."""
    from aftersales.reports.review import schedules

    return asdict(schedules.send_due())


@task()
def refresh_daily() -> int:
    """Every 5 minutes: recount the days whose tickets changed (``reports.daily.refresh``)."""
    from aftersales.reports import daily

    return daily.refresh()


register_job(
    "reports.send_scheduled_reviews", every=dt.timedelta(hours=1), offset=dt.timedelta(minutes=20),
    task=send_scheduled_reviews,
)


def _requeue_review_deliveries(*, now: dt.datetime) -> int:
    from aftersales.reports.review import schedules

    return schedules.OUTBOX.requeue_stale(now=now)


# The review emails' wake-up is the hourly job itself: it sends what the sweep put back (30-minute lease).
register_lease("reports.review_deliveries", requeue=_requeue_review_deliveries, wake=send_scheduled_reviews)

register_job("reports.refresh_daily", every=dt.timedelta(minutes=5), task=refresh_daily)
