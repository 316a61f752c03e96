"""The web import in the background (issue 9): ``import_files`` runs what ``aftersales import-logs``
runs, in a task worker, so that a large upload is not cut off by the web server's timeout. The
run's page follows it: its counts are saved after every batch."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django_tasks import task

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
