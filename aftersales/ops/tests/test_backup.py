"""Backup and restore on the real database (SQLite here, PostgreSQL with DATABASE_URL): a demo desk is
backed up, restored into a new database and compared table by table, row by row."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from aftersales.core import clock
from aftersales.ops import backup as ops_backup
from aftersales.testing.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # pg_dump reads what is committed


def _attach(alias: str, settings_dict: dict[str, Any]) -> None:
    configured = connections.configure_settings({"default": copy.deepcopy(connection.settings_dict),
                                                 alias: settings_dict})
    connections.settings[alias] = configured[alias]
    connections[alias]  # creates and keeps the wrapper
    # Unlisted in the settings, the alias counts as a connection the test made itself (Django's test
    # case refuses connections to configured databases the test did not declare).
    del connections.settings[alias]


def _detach(alias: str) -> None:
    connections[alias].close()
    del connections[alias]


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind, attached as the connection alias "restored"."""
    base = copy.deepcopy(connection.settings_dict)
    base.pop("TEST", None)
    name = ""
    if connection.vendor == "sqlite":
        base["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        name = f"aftersales_ops_restore_{uuid.uuid4().hex[:10]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        base["NAME"] = name
    _attach("restored", base)
    try:
        yield "restored"
    finally:
        _detach("restored")
        if name:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _desk(settings: Any) -> None:
    call_command("demo", "--tickets", "30", stdout=io.StringIO(), stderr=io.StringIO())
    media = Path(settings.MEDIA_ROOT)
    (media / "attachments" / "2026").mkdir(parents=True, exist_ok=True)
    (media / "attachments" / "2026" / "dlr-report.csv").write_bytes(b"id,status\n1,delivered\n")
    (media / "attachments" / "2026" / "截图.png").write_bytes(b"\x89PNG fictional")


def _sample(alias: str, table: str) -> list[tuple[Any, ...]]:
    """The first and last 5 rows by the table's columns in order (the primary key first), all columns."""
    conn = connections[alias]
    with conn.cursor() as cursor:
        columns = [c.name for c in conn.introspection.get_table_description(cursor, table)]
        order = ", ".join(str(i + 1) for i in range(len(columns)))
        desc = ", ".join(f"{i + 1} DESC" for i in range(len(columns)))
        quoted = conn.ops.quote_name(table)
        cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order} LIMIT 5")  # noqa: S608
        first = cursor.fetchall()
        cursor.execute(f"SELECT * FROM {quoted} ORDER BY {desc} LIMIT 5")  # noqa: S608
        return [tuple(row) for row in first + cursor.fetchall()]


def _count(alias: str, table: str) -> int:
    conn = connections[alias]
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def test_a_backup_restores_to_an_identical_desk(settings: Any, tmp_path: Path, target: str) -> None:
    _desk(settings)
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    [made] = ops_backup.list_backups(tmp_path / "backups")
    assert f"Backup written to {made}: {connection.vendor}," in out.getvalue()
    manifest = json.loads((made / "manifest.json").read_text())
    tables = sorted(connection.introspection.table_names())
    assert sorted(manifest["tables"]) == tables
    assert manifest["tables"]["tickets_ticket"] >= 30
    assert manifest["db_vendor"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["tickets"]
    media_files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert manifest["media"] == {"files": len(media_files), "bytes": sum(p.stat().st_size for p in media_files)}
    assert not list((tmp_path / "backups").glob(".*"))  # no partial directory left behind

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    restored = ops_backup.restore_backup(made, using=target)
    assert restored.tables == len(tables)
    assert restored.migrated == []

    assert sorted(connections[target].introspection.table_names()) == tables
    for table in tables:
        assert _count(target, table) == _count("default", table) == manifest["tables"][table], table
        assert _sample(target, table) == _sample("default", table), table
    assert (tmp_path / "restored-media" / "attachments" / "2026" / "截图.png").read_bytes() == b"\x89PNG fictional"
    assert restored.media_files == len(media_files)


def test_restore_refuses_a_database_with_data_unless_forced(settings: Any, tmp_path: Path, target: str) -> None:
    make_ticket("Sender ID rejected in Vietnam")
    made = ops_backup.make_backup(tmp_path / "backups")
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    ops_backup.restore_backup(made, using=target)
    with connections[target].cursor() as cursor:
        cursor.execute("UPDATE tickets_ticket SET subject = 'changed after the restore'")
    with pytest.raises(ops_backup.BackupError, match=r"the database already holds data .* pass --force"):
        ops_backup.restore_backup(made, using=target)
    with connections[target].cursor() as cursor:
        cursor.execute("SELECT subject FROM tickets_ticket")
        assert {row[0] for row in cursor.fetchall()} == {"changed after the restore"}  # untouched
        cursor.execute("CREATE TABLE leftover_from_before (id integer)")
    ops_backup.restore_backup(made, using=target, force=True)
    with connections[target].cursor() as cursor:
        cursor.execute("SELECT subject FROM tickets_ticket")
        assert {row[0] for row in cursor.fetchall()} == {"Sender ID rejected in Vietnam"}
    assert "leftover_from_before" not in connections[target].introspection.table_names()  # replaced whole


def test_restore_refuses_media_that_holds_files(settings: Any, tmp_path: Path, target: str) -> None:
    made = ops_backup.make_backup(tmp_path / "backups")
    settings.MEDIA_ROOT = tmp_path / "busy-media"
    (tmp_path / "busy-media").mkdir()
    (tmp_path / "busy-media" / "keep.txt").write_text("someone's file")
    with pytest.raises(ops_backup.BackupError, match=r"MEDIA_ROOT .* already holds files"):
        ops_backup.restore_backup(made, using=target)
    assert ops_backup.database_contents(target) == {}  # refused before anything was written
    assert (tmp_path / "busy-media" / "keep.txt").read_text() == "someone's file"


def test_a_damaged_backup_is_refused(settings: Any, tmp_path: Path, target: str) -> None:
    made = ops_backup.make_backup(tmp_path / "backups")
    database_file = made / json.loads((made / "manifest.json").read_text())["database_file"]
    with database_file.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00damage\x00")
    with pytest.raises(ops_backup.BackupError, match="does not match its checksum"):
        ops_backup.restore_backup(made, using=target)
    (made / "manifest.json").unlink()
    with pytest.raises(CommandError, match=r"Restore refused: .* is not a backup: it has no manifest\.json"):
        call_command("restore", str(made), "--noinput")


def test_the_restore_command_asks_and_reports(settings: Any, tmp_path: Path, target: str, monkeypatch: Any) -> None:
    make_ticket("OTP conversion low")
    made = ops_backup.make_backup(tmp_path / "backups")
    # the test's own database: it holds data (and on SQLite it lives in memory)
    with pytest.raises(CommandError, match=r"Restore refused: (the database already holds data|cannot restore into "
                                           r"an in-memory SQLite database)"):
        call_command("restore", str(made), "--noinput")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Restore cancelled"):
        call_command("restore", str(made), "--force", stdout=io.StringIO())
    assert _count("default", "tickets_ticket") == 1


def test_a_failed_backup_leaves_nothing(settings: Any, tmp_path: Path, monkeypatch: Any) -> None:
    def full_disk(root: Path, target: Path) -> dict[str, int]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ops_backup, "_backup_media", full_disk)
    with pytest.raises(OSError, match="No space left"):
        ops_backup.make_backup(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_pg_dump_missing_is_a_clear_error(monkeypatch: Any) -> None:
    monkeypatch.setattr(ops_backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(ops_backup.glob, "glob", lambda pattern: [])
    with pytest.raises(ops_backup.BackupError, match=r"pg_dump was not found on PATH or in /usr/lib/postgresql/\*/bin"):
        ops_backup.find_pg_tool("pg_dump")
    monkeypatch.setattr(ops_backup.glob, "glob", lambda pattern: [
        "/usr/lib/postgresql/9.6/bin/pg_dump",
        "/usr/lib/postgresql/17/bin/pg_dump",
        "/usr/lib/postgresql/15/bin/pg_dump",
    ])
    assert ops_backup.find_pg_tool("pg_dump") == "/usr/lib/postgresql/17/bin/pg_dump"


def test_the_daily_job_keeps_the_newest(settings: Any, tmp_path: Path) -> None:
    from aftersales.core.scheduler import registered_jobs
    from aftersales.ops.tasks import scheduled_backup

    job = {j.name: j for j in registered_jobs()}["ops.backup"]
    assert job.every == dt.timedelta(days=1)
    settings.BACKUP_DIR = tmp_path / "daily"
    settings.BACKUP_KEEP = 2
    made = []
    start = clock.now()
    for day in range(3):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda day=day: start + dt.timedelta(days=day))
            made.append(Path(str(scheduled_backup.call()["backup"])))
    assert ops_backup.list_backups(tmp_path / "daily") == made[1:]
    settings.BACKUP_KEEP = 0
    assert scheduled_backup.call() == {"skipped": "BACKUP_KEEP is 0"}
