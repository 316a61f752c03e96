"""Recovering work whose worker died: the lease sweeper (job ``core.sweep_leases``, every minute).

django-tasks-db claims a task by marking its row RUNNING; a worker killed mid-task (``kill -9``,
out of memory, the machine lost) leaves it RUNNING for ever and nothing runs it again. So in
aftersales a task is only a wake-up: work whose effect matters keeps its state in domain rows
with a lease — the outboxes (``core.outbox``: state 'sending', ``claimed_at``, ``claimed_by``, ``attempts``) and
the mailbox lease (``mail.poller``) — or is a periodic job that catches up from its own state.

Every lease names its holder (:func:`holder`, ``host:pid`` of the worker process) so an operator
looking at a row stuck in 'sending' sees which worker took it.

One sweeper job does the recovery for all of them:

1. **Expired leases.** Every app registers its leased work here with :func:`register_lease`
   (in its ``tasks.py``): a ``requeue(now)`` function that puts rows whose lease expired back to
   pending and returns how many, and a ``wake`` task that is enqueued when it did, so the work
   runs again now rather than at its next slot.
2. **Tasks stuck in RUNNING.** A task result RUNNING for longer than ``TASK_STUCK_MINUTES``
   (default 60) is marked FAILED with :class:`WorkerLost` as its error, so the queue's figures
   (running, failed, age) tell the truth.
3. **Scheduled jobs that died with their worker** are enqueued once more (jobs are idempotent by
   contract) when no later slot of the same job has been claimed since — so a daily job killed
   mid-run runs again within minutes, not tomorrow — at most ``MAX_JOB_RETRIES`` times per slot.

A task that is only slow (not dead) and finishes after being marked FAILED records its real
outcome over the mark; the re-run of its job is harmless because jobs are idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks.base import Task

from aftersales.core import clock

logger = logging.getLogger(__name__)

MAX_JOB_RETRIES = 2
BATCH = 500
WORKER_LOST = "aftersales.core.leases.WorkerLost"
HOLDER_MAX_LENGTH = 200  # the ``claimed_by`` columns


def holder() -> str:
    """Who holds a lease taken now: this process, as ``hostname:pid`` (read each time: a forked
    worker has its own pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"[-HOLDER_MAX_LENGTH:]


def holder_gone(name: str) -> bool:
    """Whether the process a ``holder()`` names is known to be gone: it was on this host and no
    process has that pid now. Another host's process, or a name that is not one, is not known gone."""
    host, _sep, pid = (name or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, as another user
        return False
    return False


class WorkerLost(Exception):
    """The error recorded on a task result whose worker stopped before finishing it."""


@dataclass(frozen=True)
class LeasedWork:
    name: str
    requeue: Callable[..., int]
    wake: Task[..., Any] | None = None


_registry: dict[str, LeasedWork] = {}


def register_lease(name: str, *, requeue: Callable[..., int], wake: Task[..., Any] | None = None) -> LeasedWork:
    """Register (or re-register) leased work: ``requeue(now=...)`` returns how many rows it put back."""
    work = LeasedWork(name=name, requeue=requeue, wake=wake)
    _registry[name] = work
    return work


def unregister_lease(name: str) -> None:
    _registry.pop(name, None)


def registered_leases() -> list[LeasedWork]:
    return sorted(_registry.values(), key=lambda work: work.name)


def stuck_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "TASK_STUCK_MINUTES", 60)))


@dataclass
class SweepReport:
    requeued: dict[str, int] = field(default_factory=dict)  # leased work name → rows put back
    errors: dict[str, str] = field(default_factory=dict)  # leased work name → why its requeue failed
    stuck_tasks: int = 0  # task results marked failed (worker lost)
    jobs_rerun: list[str] = field(default_factory=list)  # scheduled jobs enqueued again


def requeue_expired(*, now: dt.datetime, report: SweepReport) -> None:
    for work in registered_leases():
        try:
            with transaction.atomic():
                count = work.requeue(now=now)
        except Exception as exc:  # one broken table must not stop the others' recovery
            logger.exception("lease sweep: could not requeue %s", work.name)
            report.errors[work.name] = f"{type(exc).__name__}: {exc}"[:500]
            continue
        if count:
            report.requeued[work.name] = count
            if work.wake is not None:
                work.wake.enqueue()


def _database_backend() -> bool:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def fail_stuck_tasks(*, now: dt.datetime, report: SweepReport) -> None:
    """Mark task results RUNNING since before ``now - TASK_STUCK_MINUTES`` failed; re-run their jobs."""
    if not _database_backend():
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = now - stuck_after()
    stuck = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        .order_by("started_at")
        .values("id", "task_path", "started_at", "worker_ids")[:BATCH]
    )
    for row in stuck:
        with transaction.atomic():
            marked = DBTaskResult.objects.filter(id=row["id"], status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=WORKER_LOST,
                traceback=(
                    f"{WORKER_LOST}: still running after {stuck_after()} (started {row['started_at']} "
                    f"by worker {', '.join(row['worker_ids']) or '?'}); its worker is taken to have died\n"
                ),
            )
            if not marked:
                continue  # it finished meanwhile
            report.stuck_tasks += 1
            logger.warning("lease sweep: task %s (%s) was stuck in RUNNING; marked failed", row["id"], row["task_path"])
            job = _rerun_job(task_result_id=str(row["id"]), now=now)
            if job:
                report.jobs_rerun.append(job)


def _rerun_job(*, task_result_id: str, now: dt.datetime) -> str | None:
    """Enqueue a dead scheduled job's task again if its slot is still the job's latest one."""
    from django_tasks_db.models import DBTaskResult

    from aftersales.core.models import ScheduledRun

    run = ScheduledRun.objects.filter(task_result_id=task_result_id).first()
    if run is None or ScheduledRun.objects.filter(job=run.job, slot_start__gt=run.slot_start).exists():
        return None
    result = DBTaskResult.objects.filter(id=task_result_id).first()
    if result is None:
        return None
    lost_before = DBTaskResult.objects.filter(
        task_path=result.task_path, exception_class_path=WORKER_LOST, enqueued_at__gte=run.claimed_at
    ).count()
    if lost_before > MAX_JOB_RETRIES:
        logger.error("lease sweep: %s lost its worker %d times in slot %s; not retried again",
                     run.job, lost_before, run.slot_start.isoformat())
        return None
    args_kwargs = result.args_kwargs or {}
    new = result.task.enqueue(*args_kwargs.get("args", []), **args_kwargs.get("kwargs", {}))
    ScheduledRun.objects.filter(pk=run.pk).update(task_result_id=str(new.id)[:64])
    logger.warning("lease sweep: scheduled job %s (slot %s) enqueued again", run.job, run.slot_start.isoformat())
    return run.job


def sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """The sweeper: requeue expired leases, then fail stuck tasks and re-run their jobs."""
    from aftersales.core.scheduler import discover_jobs

    discover_jobs()  # every app's tasks.py registers its leased work
    now = now or clock.now()
    report = SweepReport()
    requeue_expired(now=now, report=report)
    fail_stuck_tasks(now=now, report=report)
    return report
