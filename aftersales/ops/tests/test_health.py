"""/healthz and /readyz: what a load balancer sees, and that a failure names the check without details."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from aftersales.ops import health

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_healthz_answers_without_touching_the_database(client: Any) -> None:
    # No django_db mark: any query would raise here and the response would not be a 200.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": {"status": "ok"}}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_lists_every_check_and_is_ready(client: Any, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": {"status": "ok"},
        "migrations": {"status": "ok"},
        "task_queue": {"status": "ok", "detail": "database"},
        "storage": {"status": "ok"},
    }
    # the probe file was removed again
    assert not any(p.is_file() for p in (settings.MEDIA_ROOT / ".readyz").glob("*"))


@pytest.mark.django_db
def test_readyz_is_503_when_a_migration_is_missing(client: Any, monkeypatch: Any) -> None:
    applied = set(health._migrations_on_disk())
    monkeypatch.setattr(health, "_migrations_on_disk", lambda: frozenset(applied | {("tickets", "9999_future")}))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["migrations"] == {
        "status": "error", "detail": "1 not applied (first: tickets.9999_future); run aftersales migrate",
    }
    assert body["checks"]["database"] == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_media_is_not_writable(client: Any, settings: Any, tmp_path: Any) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = blocker
    response = client.get("/readyz")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["status"] == "error"
    assert storage["detail"].startswith("media storage not writable (")
    assert str(blocker) not in response.content.decode()  # no paths or tracebacks in a public body


@pytest.mark.django_db
def test_readyz_is_503_when_the_task_table_is_missing(client: Any, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["task_queue"]["status"] == "error"
    assert body["checks"]["task_queue"]["detail"].startswith("unreachable (")
    assert "Traceback" not in response.content.decode()
    assert "SELECT" not in response.content.decode()


def test_readyz_is_503_when_the_database_is_unreachable(client: Any, settings: Any, monkeypatch: Any) -> None:
    from django.db import OperationalError

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError('connection to server at "db.internal" failed: password authentication failed')

    monkeypatch.setattr(connection, "cursor", refuse)
    settings.TASKS = DB_TASKS
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"status": "error", "detail": "unreachable (OperationalError)"}
    assert body["checks"]["migrations"]["detail"] == "not checked: database unreachable"
    assert body["checks"]["task_queue"]["detail"] == "not checked: database unreachable"
    assert "password" not in response.content.decode()
    assert "db.internal" not in response.content.decode()
