"""``aftersales import-logs PATH... [--dry-run] [--profile NAME] [--timezone TZ] [--year YYYY] [--json]
[--no-create-customers]``: old hand-kept logs (CSV/TSV/XLSX/Markdown/chat exports) into the desk.

Every row ends imported, duplicate or quarantined, and the counts add up. A progress line (rows,
rows/s) goes to stderr; ``--json`` prints the summary on stdout. Unreadable files stop the command
before anything is written (exit code 1, with the file and the reason).
"""

from __future__ import annotations

import json
import time
import zoneinfo
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.imports import load as loading
from aftersales.imports.models import MappingProfile


class Command(BaseCommand):
    help = "Import old operation logs (CSV, TSV, XLSX, Markdown notes, chat exports) into tickets, with nothing lost."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Show the full result without writing anything.")
        parser.add_argument("--profile", help="Use a saved column mapping (by name).")
        parser.add_argument("--timezone", help="Timezone of the times in the files (default: the desk's).")
        parser.add_argument("--year", type=int, help="Year for dates written without one (e.g. 3月7日, 4/8).")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument(
            "--no-create-customers", action="store_true",
            help="Quarantine rows whose customer matches none, instead of creating provisional customers.",
        )
        parser.add_argument("--batch-size", type=int, default=loading.BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        for path in paths:
            self._check_readable(path)
        timezone = options["timezone"] or settings.TIME_ZONE
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CommandError(f"Unknown timezone {timezone!r}.") from exc
        year = options["year"]
        if year is not None and not 1990 <= year <= 2100:
            raise CommandError(f"--year {year} is not a plausible year.")
        profile = None
        if options["profile"]:
            profile = MappingProfile.objects.filter(name=options["profile"]).first()
            if profile is None:
                names = ", ".join(MappingProfile.objects.values_list("name", flat=True)) or "none saved yet"
                raise CommandError(f"No mapping profile named {options['profile']!r} (profiles: {names}).")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        files = [{"name": path.name, "path": str(path.resolve()), "size": path.stat().st_size} for path in paths]
        run = loading.start_run(
            actor=None, files=files, mapping=profile.mapping if profile else None, timezone=timezone, year=year,
            profile=profile, dry_run=options["dry_run"],
            options={"create_customers": not options["no_create_customers"], "source": "command"},
        )
        started = time.monotonic()

        def progress(summary: loading.Summary) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            self.stderr.write(f"\r{summary.rows} rows · {summary.rows / elapsed:,.0f} rows/s · "
                              f"{summary.imported} imported · {summary.duplicates} duplicates · "
                              f"{summary.quarantined} quarantined", ending="")  # fmt: skip
            self.stderr.flush()

        try:
            summary = loading.run_files(run=run, dry_run=options["dry_run"], batch_size=options["batch_size"],
                                        progress=progress, read_ahead=True)  # fmt: skip
        except (OSError, UnicodeError, ValueError) as exc:
            raise CommandError(
                f"Import stopped: {exc} (rows committed before this are kept; run again to resume)."
            ) from exc
        except KeyboardInterrupt:
            self.stderr.write("")
            raise CommandError(
                f"Interrupted: import run #{run.pk} is marked failed; the batches committed before stay. "
                "Run the same command again to resume.", returncode=130,
            ) from None
        self.stderr.write("")
        if options["json"]:
            self.stdout.write(json.dumps({**summary.as_dict(), "run": run.pk, "dry_run": options["dry_run"]},
                                         ensure_ascii=False))  # fmt: skip
            return
        self._report(summary, run.pk, options["dry_run"])

    def _check_readable(self, path: Path) -> None:
        if not path.exists():
            raise CommandError(f"{path}: no such file.")
        if not path.is_file():
            raise CommandError(f"{path}: not a file.")
        try:
            with path.open("rb") as handle:
                handle.read(1)
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
        from aftersales.imports import read as reading

        try:  # the reader opens it as it will for real: an unreadable format fails here, before writing
            next(iter(reading.read(str(path), name=path.name)), None)
        except Exception as exc:  # any reader failure is reported as this file's problem
            raise CommandError(f"{path}: cannot be read as a log file ({exc}).") from exc

    def _report(self, summary: loading.Summary, run_pk: int, dry_run: bool) -> None:
        head = "Dry run (nothing written)" if dry_run else f"Import run #{run_pk}"
        self.stdout.write(f"{head}: {summary.rows} rows = {summary.imported} imported + "
                          f"{summary.duplicates} duplicates + {summary.quarantined} quarantined")  # fmt: skip
        for outcome, count in sorted(summary.outcomes.items()):
            self.stdout.write(f"  {outcome}: {count}")
        for reason, count in sorted(summary.reasons.items()):
            self.stdout.write(f"  quarantined, {reason}: {count}")
        if summary.provisional_customers:
            self.stdout.write("Provisional customers (confirm or merge them on /imports/customers/):")
            for name in summary.provisional_customers:
                self.stdout.write(f"  {name}")
