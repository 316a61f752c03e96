"""Liveness and readiness checks (``/healthz``, ``/readyz``).

Each check answers ``ok`` or a short, fixed reason; the exception itself goes to the log, never to the
body (the endpoints are public). Checks are cheap: a ``SELECT 1``, one read of ``django_migrations``
against the migration files (read once per process), one row of the task table, one tiny file
written to and deleted from the media storage.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ok" if self.ok else "error"}
        if self.detail:
            body["detail"] = self.detail
        return body


def _failed(name: str, detail: str, exc: BaseException) -> Check:
    logger.warning("readiness check %s failed: %s (%s)", name, detail, type(exc).__name__, exc_info=exc)
    return Check(name, False, f"{detail} ({type(exc).__name__})")


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", "unreachable", exc)
    return Check("database", True)


@cache
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    """The migrations the code ships (the graph's nodes); read from disk once per process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes)


def pending_migrations() -> list[tuple[str, str]]:
    applied = set(MigrationRecorder(connection).applied_migrations())
    return sorted(_migrations_on_disk() - applied)


def check_migrations() -> Check:
    try:
        pending = pending_migrations()
    except Exception as exc:
        return _failed("migrations", "cannot be read", exc)
    if pending:
        app, name = pending[0]
        return Check("migrations", False, f"{len(pending)} not applied (first: {app}.{name}); run aftersales migrate")
    return Check("migrations", True)


def _task_backend_path() -> str:
    return str(settings.TASKS.get("default", {}).get("BACKEND", ""))


def check_task_queue() -> Check:
    backend = _task_backend_path()
    try:
        if backend.startswith("django_tasks_db."):
            from django_tasks_db.models import DBTaskResult

            list(DBTaskResult.objects.order_by().values_list("pk", flat=True)[:1])
            return Check("task_queue", True, "database")
        if "rq" in backend.split("."):  # django-tasks-rq: the queue lives in Redis
            import django_rq  # type: ignore[import-not-found]

            django_rq.get_connection("default").ping()
            return Check("task_queue", True, "redis")
    except Exception as exc:
        return _failed("task_queue", "unreachable", exc)
    # ImmediateBackend / DummyBackend run in the process itself: nothing to reach.
    return Check("task_queue", True, "in process")


def check_storage() -> Check:
    name = f".readyz/{uuid.uuid4().hex}"
    try:
        saved = default_storage.save(name, ContentFile(b"ready"))
        default_storage.delete(saved)
    except Exception as exc:
        return _failed("storage", "media storage not writable", exc)
    return Check("storage", True)


def readiness() -> list[Check]:
    database = check_database()
    checks = [database]
    if database.ok:
        checks.append(check_migrations())
    else:
        checks.append(Check("migrations", False, "not checked: database unreachable"))
    if database.ok or not _task_backend_path().startswith("django_tasks_db."):
        checks.append(check_task_queue())
    else:
        checks.append(Check("task_queue", False, "not checked: database unreachable"))
    checks.append(check_storage())
    return checks
