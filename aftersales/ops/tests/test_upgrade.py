"""Upgrades: a database made by an earlier release migrates to the current schema with its data intact.

The fixture (aftersales/core/tests/fixtures/README.md) is a demo desk made by the code of commit f6155a4.
Every future migration runs over it here, so a migration that breaks old data fails this test."""

from __future__ import annotations

import copy
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections

FIXTURES = Path(settings.BASE_DIR) / "aftersales" / "core" / "tests" / "fixtures"
RELEASES = sorted(FIXTURES.glob("release-*.sqlite3.gz"))
# Tables whose rows the migrations themselves add to (Django's bookkeeping, and data migrations that
# seed new choices); every other table must keep exactly its rows.
GROWING = {"django_migrations", "django_content_type", "auth_permission", "auth_group_permissions"}


def _sqlite(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%'")]
    return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@pytest.fixture(params=RELEASES, ids=[p.name.split(".sqlite3")[0] for p in RELEASES])
def release_db(request: Any, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A copy of the release's database, attached as the connection alias "upgrade"."""
    path = tmp_path / "upgrade.sqlite3"
    with gzip.open(request.param) as packed, path.open("wb") as plain:
        shutil.copyfileobj(packed, plain)
    base = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}}
    configured = connections.configure_settings({"default": copy.deepcopy(connections["default"].settings_dict),
                                                 "upgrade": base})
    connections.settings["upgrade"] = configured["upgrade"]
    connections["upgrade"]  # creates and keeps the wrapper
    del connections.settings["upgrade"]  # a connection the test made itself (not a declared database)
    try:
        yield "upgrade", path
    finally:
        connections["upgrade"].close()
        del connections["upgrade"]


def test_release_fixtures_are_kept_small() -> None:
    assert RELEASES, "no release fixture found"
    for release in RELEASES:
        assert release.stat().st_size < 2 * 1024 * 1024, release.name


@pytest.mark.django_db
def test_an_earlier_release_migrates_forward_with_its_data(release_db: tuple[str, Path]) -> None:
    alias, path = release_db
    with _sqlite(path) as before_db:
        before = _counts(before_db)
        old_tickets = before_db.execute(
            "SELECT id, ref, subject, status, created_at, customer_id, owner_id FROM tickets_ticket ORDER BY id"
        ).fetchall()
        status_events = before_db.execute(
            "SELECT ticket_id, at, before, after FROM tickets_ticketevent WHERE kind = 'status' ORDER BY at, id"
        ).fetchall()
        customers = before_db.execute("SELECT id, code, name FROM customers_customer ORDER BY id").fetchall()
    assert len(old_tickets) >= 30

    # As an operator upgrades: `aftersales migrate` with DATABASE_URL at the old database (the data
    # migrations write through the default connection, so they must run as the default database).
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "AFTERSALES_VAR_DIR": str(path.parent / "var")}
    result = subprocess.run(
        [sys.executable, "-m", "aftersales", "migrate", "--noinput"], env=env, capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    with _sqlite(path) as after_db:
        after = _counts(after_db)
        # every table the old release had is still there, with the same rows
        for table, count in before.items():
            assert table in after, f"{table} disappeared"
            if table not in GROWING:
                assert after[table] == count, f"{table}: {after[table]} rows after the upgrade, {count} before"
        assert after_db.execute(
            "SELECT id, ref, subject, status, created_at, customer_id, owner_id FROM tickets_ticket ORDER BY id"
        ).fetchall() == old_tickets
        assert after_db.execute("SELECT id, code, name FROM customers_customer ORDER BY id").fetchall() == customers

        # tickets 0006's backfill: in the current status since its last status change (else its creation),
        # reopenings counted from the status events
        last: dict[int, str] = {}
        reopened: dict[int, int] = {}
        for ticket_id, at, old, new in status_events:
            last[ticket_id] = at
            was, now = json.loads(old or "{}").get("status"), json.loads(new or "{}").get("status")
            if was in ("resolved", "closed") and now not in ("resolved", "closed"):
                reopened[ticket_id] = reopened.get(ticket_id, 0) + 1
        for ticket_id, _ref, _subject, _status, created_at, _customer, _owner in old_tickets:
            since, reopen_count = after_db.execute(
                "SELECT status_since, reopen_count FROM tickets_ticket WHERE id = ?", (ticket_id,)
            ).fetchone()
            assert since == last.get(ticket_id, created_at), ticket_id
            assert reopen_count == reopened.get(ticket_id, 0), ticket_id
        # tickets 0005 seeded the root causes
        assert after_db.execute("SELECT COUNT(*) FROM tickets_rootcause").fetchone()[0] > 0

    # nothing is left to migrate, and the current models read every old row
    from aftersales.ops.backup import pending_migration_names

    assert pending_migration_names(alias) == []
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            list(model._default_manager.using(alias).all()[:20])
