"""The periodic-job registry and tick: each (job, slot) is enqueued exactly once."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from aftersales.core import scheduler
from aftersales.core.models import ScheduledRun

UTC = dt.UTC
NOON = dt.datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def failing_task() -> None:
    raise AssertionError("never runs: enqueue fails first")


@pytest.fixture
def db_tasks(settings: Any) -> None:
    settings.TASKS = DB_TASKS


def heartbeat_only() -> list[scheduler.Job]:
    return [job for job in scheduler.registered_jobs() if job.name == scheduler.HEARTBEAT_JOB]


def test_slots_are_aligned_on_the_epoch_with_an_optional_offset() -> None:
    minute = dt.timedelta(minutes=1)
    assert scheduler.slot_for(NOON, every=minute) == (
        dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
        dt.datetime(2026, 3, 2, 12, 1, tzinfo=UTC),
    )
    day = dt.timedelta(days=1)
    start, end = scheduler.slot_for(NOON, every=day, offset=dt.timedelta(hours=2))
    assert (start, end) == (dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC), dt.datetime(2026, 3, 3, 2, 0, tzinfo=UTC))
    # Not UTC in, the same instant out.
    shanghai = NOON.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert scheduler.slot_for(shanghai, every=minute) == scheduler.slot_for(NOON, every=minute)
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.slot_for(NOON.replace(tzinfo=None), every=minute)


def test_register_job_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="at least one second"):
        scheduler.register_job("x.too_fast", every=dt.timedelta(0), task=scheduler.heartbeat)
    with pytest.raises(ValueError, match="offset"):
        scheduler.register_job(
            "x.bad_offset", every=dt.timedelta(minutes=1), offset=dt.timedelta(minutes=1), task=scheduler.heartbeat
        )
    assert "x.too_fast" not in {job.name for job in scheduler.registered_jobs()}


def test_builtin_jobs_are_registered() -> None:
    jobs = {job.name: job for job in scheduler.discover_jobs()}
    assert jobs["core.heartbeat"].every == dt.timedelta(minutes=1)
    assert "core.prune_scheduled_runs" in jobs


@pytest.mark.django_db
def test_a_tick_claims_the_slot_and_enqueues_the_task_once(db_tasks: None) -> None:
    claimed = scheduler.run_tick(now=NOON, claimed_by="host-a:1", jobs=heartbeat_only())

    assert [run.job for run in claimed] == ["core.heartbeat"]
    run = ScheduledRun.objects.get()
    assert run.slot_start == dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert run.claimed_by == "host-a:1"
    queued = DBTaskResult.objects.get()
    assert str(queued.id) == run.task_result_id
    assert queued.task_path == "aftersales.core.scheduler.heartbeat"
    assert queued.args_kwargs == {"args": [], "kwargs": {"scheduled_run_id": run.pk}}
    assert queued.status == "READY"

    # Later in the same minute: nothing new. Next minute: a new slot.
    assert scheduler.run_tick(now=NOON + dt.timedelta(seconds=25), jobs=heartbeat_only()) == []
    assert DBTaskResult.objects.count() == 1
    assert len(scheduler.run_tick(now=NOON + dt.timedelta(seconds=30), jobs=heartbeat_only())) == 1
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_two_schedulers_on_the_same_slot_enqueue_once(db_tasks: None) -> None:
    first = scheduler.run_tick(now=NOON, claimed_by="host-a:1")
    second = scheduler.run_tick(now=NOON + dt.timedelta(seconds=1), claimed_by="host-b:2")

    # Every registered job (apps' tasks modules add theirs when imported), each claimed once.
    assert {run.job for run in first} == {job.name for job in scheduler.registered_jobs()}
    assert {"core.heartbeat", "core.prune_scheduled_runs", "core.prune_task_results"} <= {run.job for run in first}
    assert second == []
    assert DBTaskResult.objects.filter(task_path="aftersales.core.scheduler.heartbeat").count() == 1
    assert set(ScheduledRun.objects.values_list("claimed_by", flat=True)) == {"host-a:1"}


@pytest.mark.django_db
def test_a_failed_enqueue_releases_the_claim_and_spares_the_other_jobs(
    db_tasks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = scheduler.Job(name="x.broken", every=dt.timedelta(minutes=5), task=failing_task)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("queue is down")

    monkeypatch.setattr(type(failing_task.get_backend()), "enqueue", refuse)
    claimed = scheduler.run_tick(now=NOON, jobs=[broken, *heartbeat_only()])
    assert claimed == []
    assert not ScheduledRun.objects.exists()  # free to be claimed again on the next tick

    monkeypatch.undo()
    claimed = scheduler.run_tick(now=NOON, jobs=[broken, *heartbeat_only()])
    assert {run.job for run in claimed} == {"x.broken", "core.heartbeat"}


@pytest.mark.django_db
def test_the_heartbeat_records_that_scheduler_and_worker_are_alive() -> None:
    # The test settings use the immediate backend: the task runs as it is enqueued.
    assert scheduler.last_heartbeat() == scheduler.Heartbeat(scheduled_at=None, ran_at=None)
    with time_machine.travel(NOON, tick=False):
        scheduler.run_tick(jobs=heartbeat_only())
    beat = scheduler.last_heartbeat()
    assert beat.scheduled_at == NOON
    assert beat.ran_at == NOON


@pytest.mark.django_db
def test_pruning_keeps_rows_that_still_guard_a_slot() -> None:
    old = ScheduledRun.objects.create(
        job="core.heartbeat",
        slot_start=NOON - dt.timedelta(days=9),
        slot_end=NOON - dt.timedelta(days=9) + dt.timedelta(minutes=1),
        claimed_at=NOON - dt.timedelta(days=9),
    )
    monthly = ScheduledRun.objects.create(  # started long ago, but its slot is still open
        job="x.monthly",
        slot_start=NOON - dt.timedelta(days=20),
        slot_end=NOON + dt.timedelta(days=10),
        claimed_at=NOON - dt.timedelta(days=20),
    )
    with time_machine.travel(NOON, tick=False):
        assert scheduler.prune_scheduled_runs.call() == 1
    assert not ScheduledRun.objects.filter(pk=old.pk).exists()
    assert ScheduledRun.objects.filter(pk=monthly.pk).exists()


@pytest.mark.django_db
def test_old_finished_task_results_are_pruned(db_tasks: None) -> None:
    with time_machine.travel(NOON - dt.timedelta(days=20), tick=False):
        old = scheduler.heartbeat.enqueue()
    with time_machine.travel(NOON - dt.timedelta(days=20), tick=False):
        stuck = scheduler.heartbeat.enqueue()  # never ran: kept
    with time_machine.travel(NOON - dt.timedelta(days=1), tick=False):
        recent = scheduler.heartbeat.enqueue()
    DBTaskResult.objects.filter(id__in=[old.id]).update(status="SUCCESSFUL", finished_at=NOON - dt.timedelta(days=20))
    DBTaskResult.objects.filter(id__in=[recent.id]).update(status="FAILED", finished_at=NOON - dt.timedelta(days=1))

    with time_machine.travel(NOON, tick=False):
        assert scheduler.prune_task_results.call() == 1
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {uuid.UUID(stuck.id), uuid.UUID(recent.id)}


@pytest.mark.django_db
def test_pruning_task_results_leaves_other_backends_alone() -> None:
    assert scheduler.prune_task_results.call() == 0


@pytest.mark.django_db
def test_scheduler_once_enqueues_the_heartbeat_into_the_task_queue(db_tasks: None) -> None:
    out = StringIO()
    with time_machine.travel(NOON, tick=False):
        call_command("scheduler", "--once", stdout=out)
    assert "enqueued core.heartbeat for slot 2026-03-02T12:00:00+00:00" in out.getvalue()
    assert DBTaskResult.objects.filter(task_path="aftersales.core.scheduler.heartbeat", status="READY").count() == 1

    with time_machine.travel(NOON + dt.timedelta(seconds=5), tick=False):
        call_command("scheduler", "--once", stdout=out)
    assert DBTaskResult.objects.filter(task_path="aftersales.core.scheduler.heartbeat").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_runs_what_the_scheduler_enqueued(db_tasks: None) -> None:
    with time_machine.travel(NOON, tick=False):
        scheduler.run_tick(jobs=heartbeat_only())
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert ScheduledRun.objects.get().ran_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schedulers_racing_on_one_slot_enqueue_once(db_tasks: None) -> None:
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def tick(name: str) -> None:
        try:
            barrier.wait()
            results.append(len(scheduler.run_tick(now=NOON, claimed_by=name, jobs=heartbeat_only())))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    assert DBTaskResult.objects.count() == 1
