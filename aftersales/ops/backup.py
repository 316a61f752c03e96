"""Backups of the whole desk and their restore into a new, empty database.

A backup is a directory ``aftersales-YYYYmmddTHHMMSSZ`` holding:

* ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the desk runs) or
  ``database.dump`` (``pg_dump --format=custom`` on PostgreSQL, from an exported snapshot);
* ``media.tar``: the attachments and other files under ``MEDIA_ROOT``;
* ``manifest.json``: the aftersales version, the database vendor, the migrations applied, every
  table's row count (read in the same snapshot as the dump), the files' SHA-256 and when it was made.

It is written under a hidden ``.…partial`` name and renamed when complete, so a crash never leaves
something that looks like a backup. ``restore`` checks the manifest and the checksums, refuses a
database (or media directory) that already holds data unless forced, restores, compares every table's
row count with the manifest and then applies the migrations the code has and the backup lacks.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from aftersales.core import clock

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_FILE = "media.tar"
NAME_PATTERN = re.compile(r"^aftersales-\d{8}T\d{6}Z(-\d+)?$")
SKIP_MEDIA = {".readyz"}  # the readiness probe's scratch directory


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    media_files: int
    migrated: list[str]


def app_version() -> str:
    try:
        return metadata.version("aftersales")
    except metadata.PackageNotFoundError:  # pragma: no cover - a checkout without the package installed
        return "unknown"


# --- reading a database -------------------------------------------------------------------------


def quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def table_names(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def row_counts(cursor: Any, tables: Iterable[str], quote_name: Any) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")  # noqa: S608 - names from introspection
        counts[table] = int(cursor.fetchone()[0])
    return counts


def applied_migrations(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    found: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        found.setdefault(app, []).append(name)
    return found


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows]


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL tools -----------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/bin/", path)
        return tuple(int(part) for part in match.group(1).split(".")) if match else (0,)

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    if candidates:
        return candidates[0]
    raise BackupError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client tools "
        f"(Debian: apt-get install postgresql-client), in a version at least the server's."
    )


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The connection as libpq environment variables (the password stays out of the command line)."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                             ("sslkey", "PGSSLKEY"), ("passfile", "PGPASSFILE"), ("service", "PGSERVICE")):
        if options.get(option):
            pairs[variable] = options[option]
    for variable, value in pairs.items():
        if value not in (None, ""):
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed (exit code {result.returncode}): {' '.join(detail[-3:])}")


# --- backup ---------------------------------------------------------------------------------------


def _backup_sqlite(connection: BaseDatabaseWrapper, target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # the online backup API: consistent while others write
        tables = _sqlite_tables(copy)
        cursor = copy.cursor()
        counts = row_counts(cursor, tables, _sqlite_quote)
        migrations = applied_migrations(cursor)
    finally:
        copy.close()
    return counts, migrations


def _backup_postgres(
    connection: BaseDatabaseWrapper, target: Path
) -> tuple[dict[str, int], dict[str, list[str]]]:
    pg_dump = find_pg_tool("pg_dump")
    if connection.in_atomic_block:
        raise BackupError("a PostgreSQL backup must run outside a transaction (it opens its own snapshot)")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # One snapshot for the dump and the row counts: the manifest describes exactly what was dumped.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            _pg_env(connection.settings_dict),
            "pg_dump",
        )
        counts = row_counts(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)
        migrations = applied_migrations(cursor)
    return counts, migrations


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in SKIP_MEDIA:
            continue
        if path.is_file() and not path.is_symlink():
            files.append(path)
    return files


def _backup_media(root: Path, target: Path) -> dict[str, int]:
    files = _media_files(root)
    size = 0
    with tarfile.open(target, "w") as archive:
        for path in files:
            archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
            size += path.stat().st_size
    return {"files": len(files), "bytes": size}


def _new_backup_name(output: Path, now: dt.datetime) -> str:
    base = f"aftersales-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    name, n = base, 1
    while (output / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def make_backup(output: Path, *, using: str = "default") -> Path:
    """Back up the database ``using`` and MEDIA_ROOT into a new directory under ``output``."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    now = clock.now()
    name = _new_backup_name(output, now)
    partial = output / f".{name}.partial"
    try:
        partial.mkdir()
        database_file = SQLITE_FILE if vendor == "sqlite" else PG_FILE
        if vendor == "sqlite":
            counts, migrations = _backup_sqlite(connection, partial / database_file)
        else:
            counts, migrations = _backup_postgres(connection, partial / database_file)
        media = _backup_media(Path(settings.MEDIA_ROOT), partial / MEDIA_FILE)
        manifest = {
            "format": FORMAT,
            "app": "aftersales",
            "version": app_version(),
            "created_at": now.astimezone(dt.UTC).isoformat(),
            "db_vendor": vendor,
            "database_file": database_file,
            "media_file": MEDIA_FILE,
            "media": media,
            "migrations": migrations,
            "tables": counts,
            "checksums": {file: _sha256(partial / file) for file in (database_file, MEDIA_FILE)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        final = output / name
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    logger.info("backup written to %s", final)
    return final


def list_backups(directory: Path) -> list[Path]:
    """Complete backups under ``directory`` (a manifest, the expected name), oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        path for path in directory.iterdir()
        if path.is_dir() and NAME_PATTERN.match(path.name) and (path / MANIFEST).is_file()
    )


def prune_backups(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups (and partial ones left by a crash a day ago or more)."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    backups = list_backups(directory)
    removed = backups[: max(0, len(backups) - keep)]
    for path in removed:
        shutil.rmtree(path)
    cutoff = clock.now().timestamp() - 86400
    for stale in Path(directory).glob(".aftersales-*.partial"):
        if stale.stat().st_mtime < cutoff:
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
    return removed


# --- restore --------------------------------------------------------------------------------------


def read_manifest(backup: Path) -> dict[str, Any]:
    backup = Path(backup)
    path = backup / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    if manifest.get("app") != "aftersales" or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not an aftersales backup of format {FORMAT}")
    for key in ("database_file", "media_file", "tables", "db_vendor", "checksums"):
        if key not in manifest:
            raise BackupError(f"{path} lacks {key!r}")
    for file in (manifest["database_file"], manifest["media_file"]):
        if not (backup / file).is_file():
            raise BackupError(f"{backup} is incomplete: {file} is missing")
        if _sha256(backup / file) != manifest["checksums"].get(file):
            raise BackupError(f"{backup / file} does not match its checksum in the manifest: the backup is damaged")
    return manifest


def _rows_in(connection: BaseDatabaseWrapper) -> dict[str, bool]:
    """Each existing table → whether it holds at least one row."""
    result = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            result[table] = cursor.fetchone() is not None
    return result


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("cannot restore into an in-memory SQLite database: set DATABASE_URL to a file")
    return Path(name)


def database_contents(using: str = "default") -> dict[str, bool]:
    """The target's tables and whether each holds rows (empty when there is no database yet)."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        path = _sqlite_path(connection)
        if not path.exists() or path.stat().st_size == 0:
            return {}
    return _rows_in(connection)


def media_contents() -> list[Path]:
    return _media_files(Path(settings.MEDIA_ROOT))


def check_target(manifest: dict[str, Any], *, using: str = "default", force: bool = False) -> None:
    """Refuse a target that cannot take the backup, before anything is changed."""
    connection = connections[using]
    if manifest["db_vendor"] != connection.vendor:
        raise BackupError(
            f"this backup is of a {manifest['db_vendor']} database; the target is {connection.vendor}. "
            "Set DATABASE_URL to a database of the same kind."
        )
    if force:
        return
    filled = sorted(table for table, has_rows in database_contents(using).items() if has_rows)
    if filled:
        shown = ", ".join(filled[:3]) + (" …" if len(filled) > 3 else "")
        raise BackupError(
            f"the database already holds data ({len(filled)} tables with rows: {shown}). Restore into a new, "
            "empty database (do not run migrate on it first), or pass --force to replace it whole."
        )
    if media_contents():
        raise BackupError(
            f"MEDIA_ROOT ({settings.MEDIA_ROOT}) already holds files. Point MEDIA_ROOT at an empty directory, "
            "or pass --force to replace it whole."
        )


def _verify_counts(expected: dict[str, int], actual: dict[str, int]) -> None:
    wrong = [
        f"{table}: {actual.get(table, 'missing')} rows, expected {count}"
        for table, count in sorted(expected.items())
        if actual.get(table) != count
    ]
    if wrong:
        raise BackupError("the restored database does not match the backup's manifest: " + "; ".join(wrong[:5]))


def _restore_sqlite(backup: Path, manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> None:
    target = _sqlite_path(connection)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".restoring")
    temporary.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup / manifest['database_file']}?mode=ro", uri=True)
    copy = sqlite3.connect(temporary)
    try:
        source.backup(copy)
        actual = row_counts(copy.cursor(), _sqlite_tables(copy), _sqlite_quote)
    finally:
        source.close()
        copy.close()
    try:
        _verify_counts(manifest["tables"], actual)
    except BackupError:
        temporary.unlink(missing_ok=True)
        raise
    # The checked copy replaces the target in one rename; the old file's WAL must not be replayed onto it.
    connection.close()
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(temporary, target)


def _restore_postgres(backup: Path, manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> None:
    pg_restore = find_pg_tool("pg_restore")
    archive = backup / manifest["database_file"]
    env = _pg_env(connection.settings_dict)
    _run([pg_restore, "--list", str(archive)], env, "pg_restore --list (reading the archive)")
    if database_contents(connection.alias):
        # Empty tables (or, with --force, the whole old desk) go first: the dump recreates everything.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    _run(
        [pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
         f"--dbname={env.get('PGDATABASE', '')}", str(archive)],
        env,
        "pg_restore",
    )
    with connection.cursor() as cursor:
        actual = row_counts(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)
    _verify_counts(manifest["tables"], actual)


def _restore_media(backup: Path, manifest: dict[str, Any]) -> int:
    root = Path(settings.MEDIA_ROOT)
    incoming = root.with_name(root.name + ".restoring")
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    try:
        with tarfile.open(backup / manifest["media_file"]) as archive:
            archive.extractall(incoming, filter="data")  # refuses absolute paths, .., devices
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    count = sum(1 for path in incoming.rglob("*") if path.is_file())
    old = root.with_name(root.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.rename(old)
    incoming.rename(root)
    shutil.rmtree(old, ignore_errors=True)
    return count


def pending_migration_names(using: str) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def restore_backup(backup: Path, *, using: str = "default", force: bool = False, migrate: bool = True) -> Restored:
    """Restore ``backup`` into the database ``using`` and MEDIA_ROOT (see the module's docstring)."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    check_target(manifest, using=using, force=force)
    connection = connections[using]
    if connection.vendor == "sqlite":
        _restore_sqlite(backup, manifest, connection)
    else:
        _restore_postgres(backup, manifest, connection)
    media = _restore_media(backup, manifest)
    migrated: list[str] = []
    if migrate:
        migrated = pending_migration_names(using)
        if migrated:
            call_command("migrate", database=using, interactive=False, verbosity=0)
    tables = manifest["tables"]
    return Restored(tables=len(tables), rows=sum(tables.values()), media_files=media, migrated=migrated)
