"""One delivery engine for every outbox (notify's deliveries, mail's outbound replies).

A row goes pending → sending → sent, or back to pending with exponential backoff, or failed
after ``max_attempts`` (or at once when ``permanent(exc)`` says retrying will not help).

A row is claimed with ``UPDATE … SET state='sending' WHERE id=… AND state='pending'``: when two
workers race for it, exactly one sees a row count of 1. A worker that dies after claiming
leaves the row in 'sending'; once its lease (``lease``) expires the periodic job puts it back
to 'pending', so a row is never lost (it may be sent twice: the transports' ids are stable).

A claim also records who holds the lease: ``claimed_by`` is the worker's ``host:pid``
(``core.leases.holder``). Sent, retried or requeued, the row is nobody's again (``claimed_by``
cleared); a row that failed for good keeps the name of the worker whose attempt was its last.

Core imports no app: the model, its state values, the ``send(row)`` callable and the
``permanent(exc)`` hook come from the app. The model is a ``core.models.OutboxRow`` (the
fields ``attempts``, ``next_attempt_at``, ``claimed_at``, ``claimed_by``, ``last_error`` and
``sent_at``) with a ``state`` field of its own, whose choices name the members PENDING, SENDING,
SENT and FAILED.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import models
from django.db.models import F

from aftersales.core import clock
from aftersales.core.leases import holder
from aftersales.core.models import OutboxRow

M = TypeVar("M", bound=OutboxRow)

BATCH = 200


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, … minutes after the n-th failed attempt, at most 6 hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def never_permanent(exc: Exception) -> bool:
    return False


@dataclass(frozen=True)
class _States:
    """The model's state values (its TextChoices must name them PENDING, SENDING, SENT, FAILED)."""

    PENDING: str
    SENDING: str
    SENT: str
    FAILED: str


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by someone else first
    requeued: int = 0  # stale 'sending' rows put back


class Outbox(Generic[M]):
    """The lifecycle of one outbox table; each app makes one and exposes its methods."""

    def __init__(
        self,
        *,
        model: type[M],
        states: type[models.TextChoices],
        send: Callable[[M], object],
        permanent: Callable[[Exception], bool] = never_permanent,
        max_attempts: int = 8,
        lease: dt.timedelta = dt.timedelta(minutes=10),
        batch: int = BATCH,
        select_related: Sequence[str] = (),
        label: str = "outbox",
        item: str = "row",
        items: str = "rows",
        log_requeued: bool = True,
        logger: logging.Logger | None = None,
    ) -> None:
        self.model = model
        self.states = _States(
            PENDING=states["PENDING"], SENDING=states["SENDING"], SENT=states["SENT"], FAILED=states["FAILED"]
        )
        self.send = send
        self.permanent = permanent
        self.max_attempts = max_attempts
        self.lease = lease
        self.batch = batch
        self.select_related = tuple(select_related)
        self.label = label
        self.item = item
        self.items = items
        self.log_requeued = log_requeued
        self.logger = logger or logging.getLogger(__name__)

    @staticmethod
    def backoff(attempts: int) -> dt.timedelta:
        return backoff(attempts)

    def _rows(self) -> models.QuerySet[M]:
        return self.model._default_manager.all()

    def claim(self, row_id: int, *, now: dt.datetime) -> bool:
        """Take the row for this worker; False if another worker (or an earlier run) has it."""
        return (
            self._rows()
            .filter(pk=row_id, state=self.states.PENDING)
            .update(state=self.states.SENDING, claimed_at=now, claimed_by=holder(), attempts=F("attempts") + 1)
            == 1
        )

    def requeue_stale(self, *, now: dt.datetime | None = None) -> int:
        """Put 'sending' rows whose lease expired back to 'pending' (or 'failed' when out of attempts)."""
        now = now or clock.now()
        stale = self._rows().filter(state=self.states.SENDING, claimed_at__lt=now - self.lease)
        failed = stale.filter(attempts__gte=self.max_attempts).update(
            state=self.states.FAILED, last_error="lease expired on the last attempt"
        )
        requeued = stale.update(state=self.states.PENDING, next_attempt_at=now, claimed_at=None, claimed_by="")
        if self.log_requeued and (requeued or failed):
            self.logger.warning("%s: %d stale %s requeued, %d failed", self.label, requeued, self.items, failed)
        return requeued

    def send_one(self, row_id: int, *, now: dt.datetime | None = None, report: Report | None = None) -> Report:
        report = report or Report()
        now = now or clock.now()
        if not self.claim(row_id, now=now):
            report.skipped += 1
            return report
        rows = self._rows()
        if self.select_related:
            rows = rows.select_related(*self.select_related)
        row = rows.get(pk=row_id)
        attempts: int = getattr(row, "attempts")  # noqa: B009 - a field of the app's model
        sending = self._rows().filter(pk=row_id, state=self.states.SENDING)
        try:
            self.send(row)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if attempts >= self.max_attempts or self.permanent(exc):
                sending.update(state=self.states.FAILED, last_error=error)
                report.failed += 1
                self.logger.error("%s: %s %s failed for good: %s", self.label, self.item, row_id, error)
            else:
                sending.update(state=self.states.PENDING, last_error=error, next_attempt_at=now + backoff(attempts),
                               claimed_by="")
                report.retried += 1
                self.logger.warning("%s: %s %s failed (attempt %d): %s", self.label, self.item, row_id, attempts, error)
            return report
        sending.update(state=self.states.SENT, sent_at=clock.now(), last_error="", claimed_by="")
        report.sent += 1
        return report

    def deliver(
        self, *, ids: Iterable[int] | None = None, now: dt.datetime | None = None, limit: int | None = None
    ) -> Report:
        """Send pending rows that are due (only ``ids`` if given)."""
        now = now or clock.now()
        report = Report()
        due = self._rows().filter(state=self.states.PENDING, next_attempt_at__lte=now)
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        limit = self.batch if limit is None else limit
        for row_id in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]):
            self.send_one(row_id, now=now, report=report)
        return report

    def deliver_due(self, *, now: dt.datetime | None = None) -> Report:
        """The periodic job: recover stale claims, then send everything that is due."""
        now = now or clock.now()
        requeued = self.requeue_stale(now=now)
        report = self.deliver(now=now)
        report.requeued = requeued
        return report
