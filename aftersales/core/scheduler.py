"""Periodic jobs: a registry and the tick that enqueues them (run by ``aftersales scheduler``).

Apps register jobs in their ``tasks.py`` (imported by :func:`discover_jobs`)::

    from datetime import timedelta
    from django_tasks import task
    from aftersales.core.scheduler import register_job

    @task()
    def sweep_deadlines() -> None: ...

    register_job("tickets.sweep_deadlines", every=timedelta(minutes=1), task=sweep_deadlines)

Time is cut into slots of length ``every`` aligned on the Unix epoch (plus an optional
``offset``, e.g. ``every=1 day, offset=2 hours`` runs at 02:00 UTC). On each tick a scheduler
computes every job's current slot and claims it by inserting a ``ScheduledRun(job,
slot_start)`` row; the unique constraint on that pair means exactly one scheduler wins, so
running several schedulers (for availability) never runs a slot twice. The claim and the
enqueue share one transaction: with the database task backend a failed enqueue releases the
claim. A slot missed while no scheduler was running is not caught up: the next tick runs the
current slot only, so jobs must be idempotent and catch up on their own state.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.module_loading import autodiscover_modules
from django_tasks import task
from django_tasks.base import Task

from aftersales.core import clock
from aftersales.core.leases import holder
from aftersales.core.models import ScheduledRun

logger = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Claim rows whose slot ended longer ago than this are deleted by ``core.prune_scheduled_runs``.
RUN_RETENTION = dt.timedelta(days=7)
# Finished background-task results (django-tasks-db rows) older than this are deleted daily.
TASK_RESULT_RETENTION = dt.timedelta(days=14)
HEARTBEAT_JOB = "core.heartbeat"


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    task: Task[..., Any]
    offset: dt.timedelta = dt.timedelta(0)
    # Pass ``scheduled_run_id=<ScheduledRun.pk>`` to the task (so it can call ``mark_ran``).
    pass_run_id: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)

    def slot(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The [start, end) slot that ``now`` falls in."""
        return slot_for(now, every=self.every, offset=self.offset)


_registry: dict[str, Job] = {}


def register_job(
    name: str,
    *,
    every: dt.timedelta,
    task: Task[..., Any],
    offset: dt.timedelta = dt.timedelta(0),
    pass_run_id: bool = False,
    kwargs: dict[str, Any] | None = None,
) -> Job:
    """Register (or re-register, e.g. on module reload) the periodic job ``name``."""
    if every < dt.timedelta(seconds=1):
        raise ValueError(f"job {name!r}: every must be at least one second")
    if not dt.timedelta(0) <= offset < every:
        raise ValueError(f"job {name!r}: offset must be at least 0 and less than every")
    if len(name) > ScheduledRun._meta.get_field("job").max_length:  # type: ignore[operator]
        raise ValueError(f"job name {name!r} is too long")
    job = Job(name=name, every=every, task=task, offset=offset, pass_run_id=pass_run_id, kwargs=dict(kwargs or {}))
    _registry[name] = job
    return job


def unregister_job(name: str) -> None:
    _registry.pop(name, None)


def registered_jobs() -> list[Job]:
    return sorted(_registry.values(), key=lambda job: job.name)


def discover_jobs() -> list[Job]:
    """Import every installed app's ``tasks`` module so its ``register_job`` calls run."""
    autodiscover_modules("tasks")
    return registered_jobs()


def slot_for(
    now: dt.datetime, *, every: dt.timedelta, offset: dt.timedelta = dt.timedelta(0)
) -> tuple[dt.datetime, dt.datetime]:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    elapsed = now.astimezone(dt.UTC) - EPOCH - offset
    start = EPOCH + offset + every * (elapsed // every)
    return start, start + every


def claim_and_enqueue(job: Job, *, now: dt.datetime, claimed_by: str = "") -> ScheduledRun | None:
    """Claim ``job``'s current slot and enqueue its task; None if the slot was already claimed."""
    slot_start, slot_end = job.slot(now)
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(
                job=job.name, slot_start=slot_start, slot_end=slot_end, claimed_at=now, claimed_by=claimed_by
            )
            kwargs = dict(job.kwargs)
            if job.pass_run_id:
                kwargs["scheduled_run_id"] = run.pk
            result = job.task.enqueue(**kwargs)
            ScheduledRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id)[:64])
            run.task_result_id = str(result.id)[:64]
    except IntegrityError:
        return None  # another scheduler claimed this slot first
    logger.info("scheduled %s for slot %s", job.name, slot_start.isoformat())
    return run


def run_tick(
    *, now: dt.datetime | None = None, claimed_by: str | None = None, jobs: list[Job] | None = None
) -> list[ScheduledRun]:
    """One scheduler tick: claim and enqueue every job whose current slot is unclaimed.

    A job whose claim or enqueue fails is logged and retried on the next tick; it does not
    stop the other jobs.
    """
    now = now or clock.now()
    who = holder() if claimed_by is None else claimed_by
    claimed: list[ScheduledRun] = []
    for job in registered_jobs() if jobs is None else jobs:
        try:
            run = claim_and_enqueue(job, now=now, claimed_by=who)
        except Exception:
            logger.exception("could not schedule %s", job.name)
            continue
        if run is not None:
            claimed.append(run)
    return claimed


def mark_ran(scheduled_run_id: int | None) -> None:
    """Record that the task for a claimed slot has run (called from inside the task)."""
    if scheduled_run_id is not None:
        ScheduledRun.objects.filter(pk=scheduled_run_id).update(ran_at=clock.now())


@dataclass(frozen=True)
class Heartbeat:
    scheduled_at: dt.datetime | None  # the last time a scheduler claimed a heartbeat slot
    ran_at: dt.datetime | None  # the last time a worker ran the heartbeat task


def last_heartbeat() -> Heartbeat:
    """What health checks read: is a scheduler ticking, and is a worker running its tasks?"""
    runs = ScheduledRun.objects.filter(job=HEARTBEAT_JOB)
    last = runs.order_by("-slot_start").values_list("claimed_at", flat=True).first()
    ran = runs.exclude(ran_at=None).order_by("-ran_at").values_list("ran_at", flat=True).first()
    return Heartbeat(scheduled_at=last, ran_at=ran)


# --- Built-in jobs -----------------------------------------------------------


@task()
def heartbeat(scheduled_run_id: int | None = None) -> str:
    """Proves the scheduler enqueues and a worker runs: stamps ``ran_at`` on its claim row."""
    mark_ran(scheduled_run_id)
    return clock.now().isoformat()


@task()
def prune_scheduled_runs() -> int:
    """Delete claim rows whose slot ended more than ``RUN_RETENTION`` ago (they guard nothing)."""
    deleted, _ = ScheduledRun.objects.filter(slot_end__lt=clock.now() - RUN_RETENTION).delete()
    return deleted


@task()
def prune_task_results() -> int:
    """Delete finished task results older than ``TASK_RESULT_RETENTION`` (database backend only)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return 0
    cutoff = clock.now() - TASK_RESULT_RETENTION
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


@task()
def sweep_leases() -> dict[str, Any]:
    """Every minute: requeue work whose lease expired, fail tasks whose worker died (``core.leases``)."""
    from dataclasses import asdict

    from aftersales.core import leases

    return asdict(leases.sweep())


register_job(HEARTBEAT_JOB, every=dt.timedelta(minutes=1), task=heartbeat, pass_run_id=True)
register_job("core.sweep_leases", every=dt.timedelta(minutes=1), task=sweep_leases)
register_job("core.prune_scheduled_runs", every=dt.timedelta(hours=1), task=prune_scheduled_runs)
register_job(
    "core.prune_task_results", every=dt.timedelta(days=1), offset=dt.timedelta(hours=19), task=prune_task_results
)
