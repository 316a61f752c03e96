"""Scheduled reviews: the writes (create, delete) and the delivery by email.

Which period is due: a weekly schedule sends the ISO week before the current one, a monthly
schedule the month before the current one (desk timezone). ``queue_due`` records one
``ReviewDelivery`` per schedule and due period — the unique (schedule, period) pair makes it
once, however many times the hourly job runs — and the outbox sends it: one email to every
recipient with the review attached in each chosen format, through Django's mail backend (the
project's SMTP settings), From the desk's address, with a stable Message-ID.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock, outbox
from aftersales.feedback import mailing
from aftersales.reports import periods
from aftersales.reports.models import DeliveryState, Frequency, ReviewDelivery, ReviewSchedule
from aftersales.reports.periods import Period
from aftersales.reports.scope import Scope

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


# --- Writes --------------------------------------------------------------------------------------
@transaction.atomic
def create_schedule(
    *, actor: Any, name: str, frequency: str, recipient_users: Any = (), recipient_emails: str = "",
    language: str = "zh-hans", formats: str = "pdf", team: Any = None, customer: Any = None,
) -> ReviewSchedule:
    schedule = ReviewSchedule.objects.create(
        name=name, frequency=frequency, recipient_emails=recipient_emails, language=language,
        formats=formats or "pdf", team=team, customer=customer, created_by=actor, created_at=clock.now(),
    )
    schedule.recipient_users.set(list(recipient_users or []))
    audit(actor=actor, action="reports.schedule_created", obj=schedule,
          after={"name": name, "frequency": frequency, "language": language, "formats": schedule.formats})
    return schedule


@transaction.atomic
def delete_schedule(*, schedule: ReviewSchedule, actor: Any) -> None:
    audit(actor=actor, action="reports.schedule_deleted", obj=schedule, before={"name": schedule.name})
    schedule.delete()


# --- What is due ---------------------------------------------------------------------------------
def due_period(frequency: str, today: dt.date) -> Period:
    """The last whole week (weekly) or month (monthly) before ``today``."""
    if frequency == Frequency.WEEKLY:
        start = today - dt.timedelta(days=today.isoweekday() - 1 + 7)
        return Period(start, start + dt.timedelta(days=6), "week")
    first = today.replace(day=1)
    last = first - dt.timedelta(days=1)
    return periods.month(last.year, last.month)


def recipients_of(schedule: ReviewSchedule) -> list[str]:
    users = [u.email for u in schedule.recipient_users.filter(is_active=True) if u.email]
    return list(dict.fromkeys([*users, *schedule.email_list]))


@dataclass
class QueueReport:
    queued: int = 0
    already: int = 0


def queue_due(*, now: dt.datetime | None = None) -> QueueReport:
    """Record a delivery for each active schedule whose due period has none yet."""
    now = now or clock.now()
    today = now.astimezone(periods.desk_timezone()).date()
    report = QueueReport()
    for schedule in ReviewSchedule.objects.filter(active=True).prefetch_related("recipient_users"):
        period = due_period(schedule.frequency, today)
        if ReviewDelivery.objects.filter(schedule=schedule, period=period.code).exists():
            report.already += 1
            continue
        try:
            with transaction.atomic():
                ReviewDelivery.objects.create(
                    schedule=schedule, period=period.code, recipients="\n".join(recipients_of(schedule)),
                    next_attempt_at=now, created_at=now,
                )
        except IntegrityError:  # another worker queued it first
            report.already += 1
            continue
        report.queued += 1
    return report


# --- Sending -------------------------------------------------------------------------------------
def build_email(delivery: ReviewDelivery) -> EmailMessage:
    from aftersales.reports.review import facts, render

    schedule = delivery.schedule
    scope = Scope(periods.parse(delivery.period), team=schedule.team, customer=schedule.customer)
    to = [x for x in delivery.recipients.splitlines() if x.strip()]
    if not to:
        raise ValueError("no recipient")
    with translation.override(schedule.language):
        review = facts.build(scope)
        subject = _("%(title)s (%(name)s)") % {"title": review.title, "name": schedule.name}
        body = "\n".join([
            review.title, "",
            *[f"- {o.recommendation}" for o in review.fired],
            "",
            _("The full review is attached. Every number links to its tickets in the web version: %(url)s")
            % {"url": mailing.absolute_url(f"/reports/review/?{_query(scope, schedule.language)}")},
        ])
    email = EmailMessage(
        subject=subject, body=body, from_email=mailing.from_address(), to=to,
        headers={"Message-ID": mailing.message_id(f"review-delivery:{delivery.pk}"), "X-Aftersales-Kind": "review"},
    )
    for fmt in schedule.format_list or ["pdf"]:
        data, content_type, name = render.render(review, fmt, schedule.language,
                                                 base_url=mailing.absolute_url("/"))
        email.attach(name, data, content_type.split(";")[0])
    return email


def _query(scope: Scope, language: str) -> str:
    from urllib.parse import urlencode

    return urlencode({**scope.params(), "language": language})


def _send(delivery: ReviewDelivery) -> None:
    build_email(delivery).send(fail_silently=False)
    ReviewSchedule.objects.filter(pk=delivery.schedule_id).update(last_sent_period=delivery.period)


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


OUTBOX: outbox.Outbox[ReviewDelivery] = outbox.Outbox(
    model=ReviewDelivery,
    states=DeliveryState,
    send=_send,
    permanent=_permanent,
    max_attempts=MAX_ATTEMPTS,
    lease=dt.timedelta(minutes=30),
    batch=20,
    select_related=("schedule__team", "schedule__customer"),
    label="review",
    item="review email",
    items="review emails",
    logger=logger,
)


def send_due(*, now: dt.datetime | None = None) -> outbox.Report:
    """The hourly job: queue what is due, then send every pending delivery."""
    now = now or clock.now()
    queue_due(now=now)
    return OUTBOX.deliver_due(now=now)
