"""``aftersales backup [--output DIR] [--keep N]``: the database and the media, with a manifest."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.ops.backup import BackupError, make_backup, prune_backups, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump) and MEDIA_ROOT into a new directory "
        "aftersales-<time> under --output, with a manifest.json."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output", type=Path, default=None,
            help=f"Directory to write the backup into (default: BACKUP_DIR, now {settings.BACKUP_DIR}).",
        )
        parser.add_argument(
            "--keep", type=int, default=None,
            help="Afterwards delete all but the KEEP newest backups in that directory.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"] or Path(settings.BACKUP_DIR)
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        try:
            path = make_backup(output)
        except BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        manifest = read_manifest(path)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backup written to {path}: {manifest['db_vendor']}, {len(manifest['tables'])} tables, {rows} rows, "
            f"{manifest['media']['files']} media files."
        )
        if keep is not None:
            for removed in prune_backups(output, keep=keep):
                self.stdout.write(f"Removed old backup {removed}")
