"""``aftersales restore DIR [--noinput] [--force]``: a backup into a new, empty database."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from aftersales.ops.backup import BackupError, check_target, read_manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `aftersales backup` into the configured database and MEDIA_ROOT. The database "
        "must be new and empty (the restore creates the schema); --force replaces a database that holds data. "
        "Stop the web, worker and scheduler processes first."
    )
    requires_migrations_checks = False
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup directory (aftersales-<time>).")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")
        parser.add_argument("--force", action="store_true",
                            help="Replace the database and MEDIA_ROOT whole even if they hold data.")

    def handle(self, *args: Any, **options: Any) -> None:
        backup: Path = options["backup"]
        force: bool = options["force"]
        try:
            manifest = read_manifest(backup)
            check_target(manifest, force=force)
        except BackupError as exc:
            raise CommandError(f"Restore refused: {exc}") from exc
        target = connection.settings_dict.get("NAME")
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backup {backup.name}: aftersales {manifest.get('version', '?')}, made {manifest.get('created_at', '?')}, "
            f"{len(manifest['tables'])} tables, {rows} rows, {manifest['media']['files']} media files."
        )
        if options["interactive"]:
            warning = " Everything it holds now, and in MEDIA_ROOT, will be replaced." if force else ""
            answer = input(f"Restore it into database {target} and {settings.MEDIA_ROOT}?{warning} Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            restored = restore_backup(backup, force=force)
        except BackupError as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        self.stdout.write(
            f"Restored {restored.tables} tables ({restored.rows} rows, row counts checked against the manifest) "
            f"and {restored.media_files} media files."
        )
        if restored.migrated:
            self.stdout.write(f"Applied {len(restored.migrated)} newer migrations: {', '.join(restored.migrated)}")
