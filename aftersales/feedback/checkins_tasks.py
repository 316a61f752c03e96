"""Check-in and survey background work: the daily check-in reminders, and sending survey
invitations (right after the commit, and every minute for retries and missed enqueues).
Imported by ``feedback.checkins_panels.register()`` so the jobs are known wherever the app is loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django_tasks import task

from aftersales.core.leases import register_lease
from aftersales.core.scheduler import register_job


@task()
def checkin_reminders() -> dict[str, int]:
    """Daily (01:00 UTC, 09:00 in Shanghai): remind owners of check-ins that came due (once per due date)."""
    from aftersales.feedback.checkins import send_due_reminders

    return asdict(send_due_reminders())


@task()
def send_survey_invitations(invitation_ids: list[int]) -> dict[str, int]:
    """Enqueued after a survey is sent: send those invitations right away."""
    from aftersales.feedback import surveys_delivery

    return asdict(surveys_delivery.deliver(ids=invitation_ids))


@task()
def send_survey_invitations_due() -> dict[str, int]:
    """Every minute: requeue stale claims and send invitations that are due (retries, missed enqueues)."""
    from aftersales.feedback import surveys_delivery

    return asdict(surveys_delivery.deliver_due())


register_job(
    "feedback.checkin_reminders", every=dt.timedelta(days=1), offset=dt.timedelta(hours=1), task=checkin_reminders
)
register_job("feedback.survey_send", every=dt.timedelta(minutes=1), task=send_survey_invitations_due)


def _requeue_survey_invitations(*, now: dt.datetime) -> int:
    from aftersales.feedback import surveys_delivery

    return surveys_delivery.OUTBOX.requeue_stale(now=now)


register_lease("feedback.survey_invitations", requeue=_requeue_survey_invitations, wake=send_survey_invitations_due)
