"""The web import in the background (issue 9): ``import_files`` runs what ``aftersales import-logs``
runs, in a task worker, so that a large upload is not cut off by the web server's timeout. The
run's page follows it: its counts are saved after every batch."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import task
from django_tasks.exceptions import TaskResultDoesNotExist

from aftersales.core import leases
from aftersales.imports import load as loading
from aftersales.imports.models import ImportRun


@task()
def import_files(run_pk: int, actor_pk: int | None = None) -> dict[str, Any]:
    """Import run ``run_pk``'s files as ``actor_pk``. A file that stops the import marks the run
    failed with the reason (``load``); the rows committed before it stay."""
    run = ImportRun.objects.get(pk=run_pk)
    actor = get_user_model().objects.filter(pk=actor_pk).first() if actor_pk is not None else None
    try:
        summary = loading.run_files(run=run, actor=actor, read_ahead=True)
    except (OSError, ValueError) as exc:  # the run says why; the task itself did its job
        return {"run": run_pk, "failed": f"{type(exc).__name__}: {exc}"}
    return {"run": run_pk, **summary.as_dict()}


def queue(run: ImportRun, *, actor: Any) -> None:
    """Hand ``run`` to a worker: it waits as "queued" and remembers its task. The task is enqueued in
    the same transaction, so a worker never starts it before the run knows its task (the database
    queue's row is only seen on commit; the immediate backend runs it here)."""
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.QUEUED)
        result = import_files.enqueue(run.pk, actor.pk if actor is not None else None)
        options = ImportRun.objects.values_list("options", flat=True).get(pk=run.pk) or {}
        ImportRun.objects.filter(pk=run.pk).update(options={**options, "task": str(result.id)})
    run.refresh_from_db(fields=["state", "options"])


def stopped(run: ImportRun) -> bool:
    """The run says it is waiting or running, but nothing is (``under_way`` says no)."""
    return run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING) and not under_way(run)


def under_way(run: ImportRun) -> bool:
    """Waiting for a worker or running, as the run says, unless the process writing it (the command's,
    or the worker's that took its task) is gone from this host (``kill -9``), or its task has ended
    without the run finishing (a worker lost on another host: the lease sweeper marks its task failed
    after ``TASK_STUCK_MINUTES``). Such a run has stopped; importing again resumes it."""
    if run.state not in (ImportRun.State.QUEUED, ImportRun.State.RUNNING):
        return False
    options = run.options or {}
    # The process writing it (the command, or the worker that took the task: ``load`` records it) is
    # gone from this host: stopped now, without waiting for the sweeper to fail a worker's task.
    if leases.holder_gone(str(options.get("holder", ""))):
        return False
    task_id = options.get("task")
    if not task_id:  # started by the command: under way while its process lives (Ctrl-C marks it failed)
        return True
    try:
        return not import_files.get_result(task_id).is_finished
    except (TaskResultDoesNotExist, NotImplementedError):  # a backend that keeps no results
        return True
