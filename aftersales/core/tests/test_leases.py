"""The lease sweeper (``core.sweep_leases``): work whose worker died is done again, once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.core import mail
from django_tasks_db.models import DBTaskResult

from aftersales.core import leases, scheduler
from aftersales.core.models import ScheduledRun
from aftersales.notify import delivery
from aftersales.notify.api import notify
from aftersales.notify.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2036, 3, 2, 12, 0, 30, tzinfo=dt.UTC)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings: Any) -> None:
    settings.TASKS = DB_TASKS


def heartbeat_only() -> list[scheduler.Job]:
    return [job for job in scheduler.registered_jobs() if job.name == scheduler.HEARTBEAT_JOB]


def _claimed_email(personas: Any, *, at: dt.datetime) -> Delivery:
    """An email delivery a worker claimed at ``at`` and then died on (left in 'sending')."""
    notify([personas.agent], kind="test", title="Route to Vietnam restored")
    row = Delivery.objects.get(transport="email")
    assert delivery.claim(row.pk, now=at)
    return row


def test_the_sweeper_job_and_every_outbox_are_registered() -> None:
    scheduler.discover_jobs()
    assert "core.sweep_leases" in {job.name for job in scheduler.registered_jobs()}
    assert {work.name for work in leases.registered_leases()} >= {
        "notify.deliveries",
        "mail.outbound",
        "feedback.csat_emails",
        "feedback.survey_invitations",
        "reports.review_deliveries",
    }


def test_an_expired_lease_is_requeued_and_the_email_goes_out_once(personas: Any) -> None:
    row = _claimed_email(personas, at=NOON - delivery.LEASE - dt.timedelta(seconds=1))
    mail.outbox.clear()

    with time_machine.travel(NOON, tick=False):
        report = leases.sweep()  # the wake-up runs at once with the immediate backend of the tests

    row.refresh_from_db()
    assert report.requeued["notify.deliveries"] == 1
    assert (row.state, row.attempts) == (DeliveryState.SENT, 2)
    assert [message.subject for message in mail.outbox] == ["Route to Vietnam restored"]

    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        again = leases.sweep()
    assert "notify.deliveries" not in again.requeued
    assert len(mail.outbox) == 1


def test_a_lease_that_has_not_expired_is_left_alone(personas: Any) -> None:
    row = _claimed_email(personas, at=NOON - delivery.LEASE + dt.timedelta(seconds=30))
    mail.outbox.clear()
    with time_machine.travel(NOON, tick=False):
        report = leases.sweep()
    row.refresh_from_db()
    assert "notify.deliveries" not in report.requeued
    assert row.state == DeliveryState.SENDING
    assert mail.outbox == []


def test_one_broken_table_does_not_stop_the_others(personas: Any) -> None:
    def broken(*, now: dt.datetime) -> int:
        raise RuntimeError("relation does not exist")

    leases.register_lease("aaa.broken", requeue=broken)
    try:
        row = _claimed_email(personas, at=NOON - dt.timedelta(hours=1))
        with time_machine.travel(NOON, tick=False):
            report = leases.sweep()
    finally:
        leases.unregister_lease("aaa.broken")
    row.refresh_from_db()
    assert report.errors == {"aaa.broken": "RuntimeError: relation does not exist"}
    assert row.state == DeliveryState.SENT


def _running_since(started: dt.datetime) -> tuple[ScheduledRun, DBTaskResult]:
    with time_machine.travel(started, tick=False):
        (run,) = scheduler.run_tick(jobs=heartbeat_only(), claimed_by="scheduler-1")
    result = DBTaskResult.objects.get(id=run.task_result_id)
    result.claim("worker-that-died")
    DBTaskResult.objects.filter(id=result.id).update(started_at=started)
    return run, result


def test_a_task_stuck_running_is_failed_and_its_job_runs_again(db_tasks: None) -> None:
    run, result = _running_since(NOON - dt.timedelta(minutes=61))

    with time_machine.travel(NOON, tick=False):
        report = leases.sweep()

    result.refresh_from_db()
    assert report.stuck_tasks == 1
    assert report.jobs_rerun == ["core.heartbeat"]
    assert result.status == "FAILED"
    assert result.exception_class_path == leases.WORKER_LOST
    assert "worker-that-died" in result.traceback
    run.refresh_from_db()
    rerun = DBTaskResult.objects.get(id=uuid.UUID(run.task_result_id))
    assert rerun.id != result.id
    assert (rerun.status, rerun.args_kwargs["kwargs"]) == ("READY", {"scheduled_run_id": run.pk})


def test_a_task_running_for_less_than_the_timeout_is_left_running(db_tasks: None, settings: Any) -> None:
    settings.TASK_STUCK_MINUTES = 90
    _run, result = _running_since(NOON - dt.timedelta(minutes=61))
    with time_machine.travel(NOON, tick=False):
        report = leases.sweep()
    result.refresh_from_db()
    assert (report.stuck_tasks, result.status) == (0, "RUNNING")


def test_a_job_whose_next_slot_was_claimed_is_not_run_again(db_tasks: None) -> None:
    _run, result = _running_since(NOON - dt.timedelta(minutes=61))
    with time_machine.travel(NOON - dt.timedelta(minutes=30), tick=False):
        scheduler.run_tick(jobs=heartbeat_only(), claimed_by="scheduler-1")
    with time_machine.travel(NOON, tick=False):
        report = leases.sweep()
    result.refresh_from_db()
    assert (report.stuck_tasks, report.jobs_rerun, result.status) == (1, [], "FAILED")
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # only the later slot's own task


def test_a_job_that_keeps_killing_its_worker_is_retried_at_most_twice(db_tasks: None) -> None:
    run, _result = _running_since(NOON - dt.timedelta(hours=2))
    reruns = []
    for attempt in range(4):
        sweep_at = NOON + dt.timedelta(hours=3 * attempt)
        current = DBTaskResult.objects.get(id=uuid.UUID(ScheduledRun.objects.get(pk=run.pk).task_result_id))
        if current.status == "READY":  # the re-run is picked up and kills its worker too
            current.claim("another-worker-that-died")
            DBTaskResult.objects.filter(id=current.id).update(started_at=sweep_at - dt.timedelta(hours=2))
        with time_machine.travel(sweep_at, tick=False):
            reruns.extend(leases.sweep().jobs_rerun)
    assert reruns == ["core.heartbeat", "core.heartbeat"]
    assert DBTaskResult.objects.filter(exception_class_path=leases.WORKER_LOST).count() == 3
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
