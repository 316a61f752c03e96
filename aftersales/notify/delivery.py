"""Sending what the outbox holds: claim a row atomically, send it, record the outcome.

A row is claimed with ``UPDATE … SET state='sending' WHERE id=… AND state='pending'``: when two
workers race for it, exactly one sees a row count of 1. A worker that dies after claiming
leaves the row in 'sending'; once its lease (``LEASE``) expires the periodic job puts it back
to 'pending', so a row is never lost (it may be sent twice: the transports' ids are stable).
Failures are retried with exponential backoff until ``MAX_ATTEMPTS``, then marked failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F

from aftersales.core import clock
from aftersales.notify.models import Delivery, DeliveryState
from aftersales.notify.transports import get_transport

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=10)
BATCH = 200


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, … minutes after the n-th failed attempt, at most 6 hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by someone else first
    requeued: int = 0  # stale 'sending' rows put back


def claim(delivery_id: int, *, now: dt.datetime) -> bool:
    """Take the row for this worker; False if another worker (or an earlier run) has it."""
    return (
        Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Put 'sending' rows whose lease expired back to 'pending' (or 'failed' when out of attempts)."""
    now = now or clock.now()
    stale = Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - LEASE)
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=DeliveryState.FAILED, last_error="lease expired on the last attempt"
    )
    requeued = stale.update(state=DeliveryState.PENDING, next_attempt_at=now, claimed_at=None)
    if requeued or failed:
        logger.warning("notify: %d stale deliveries requeued, %d failed", requeued, failed)
    return requeued


def send_one(delivery_id: int, *, now: dt.datetime | None = None, report: Report | None = None) -> Report:
    report = report or Report()
    now = now or clock.now()
    if not claim(delivery_id, now=now):
        report.skipped += 1
        return report
    delivery = Delivery.objects.select_related("notification__recipient__agent_profile").get(pk=delivery_id)
    transport = get_transport(delivery.transport)
    try:
        if transport is None:
            raise LookupError(f"no transport named {delivery.transport!r}")
        transport.send(delivery)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery_id, state=DeliveryState.SENDING).update(
                state=DeliveryState.FAILED, last_error=error
            )
            report.failed += 1
            logger.error("notify: delivery %s failed for good: %s", delivery_id, error)
        else:
            Delivery.objects.filter(pk=delivery_id, state=DeliveryState.SENDING).update(
                state=DeliveryState.PENDING, last_error=error, next_attempt_at=now + backoff(delivery.attempts)
            )
            report.retried += 1
            logger.warning("notify: delivery %s failed (attempt %d): %s", delivery_id, delivery.attempts, error)
        return report
    Delivery.objects.filter(pk=delivery_id, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT, sent_at=clock.now(), last_error=""
    )
    report.sent += 1
    return report


def deliver(*, ids: Iterable[int] | None = None, now: dt.datetime | None = None, limit: int = BATCH) -> Report:
    """Send pending deliveries that are due (only ``ids`` if given)."""
    now = now or clock.now()
    report = Report()
    due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    for delivery_id in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]):
        send_one(delivery_id, now=now, report=report)
    return report


def deliver_due(*, now: dt.datetime | None = None) -> Report:
    """The periodic job: recover stale claims, then send everything that is due."""
    now = now or clock.now()
    requeued = requeue_stale(now=now)
    report = deliver(now=now)
    report.requeued = requeued
    return report
