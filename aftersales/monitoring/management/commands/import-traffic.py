"""``aftersales import-traffic PATH.csv [--account KEY] [--batch-size N] [--json] [--quiet]``.

Traffic records in the Vonage Reports API's CSV columns through the live ingestion path
(``monitoring.csvimport``): streamed in batches, a progress line on stderr, bad rows kept as invalid
raw events with their line number and reason, a summary at the end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.monitoring import payloads
from aftersales.monitoring.csvimport import BATCH_ROWS, ImportSummary, import_csv


class Command(BaseCommand):
    help = "Import traffic records (Vonage Reports API CSV columns) into the rollups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--account", default="", help="Vendor key for rows whose account_id is empty.")
        parser.add_argument("--batch-size", type=int, default=BATCH_ROWS, help="Rows per transaction.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument("--quiet", action="store_true", help="No progress line.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        progress = None if options["quiet"] else self._progress
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                summary = import_csv(handle, default_key=options["account"].strip(),
                                     batch_rows=options["batch_size"], progress=progress)
        except payloads.Malformed as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if progress is not None:
            self.stderr.write("")
        data = summary.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(
            f"{data['rows']:,} rows → {data['events']:,} events: {data['recorded']:,} recorded, "
            f"{data['duplicates']:,} duplicates, {data['unmapped']:,} unmapped, {data['bad_rows']:,} bad rows "
            f"in {data['seconds']} s ({data['rows_per_second'] or 0:,} rows/s)"
        )
        if summary.unmapped_keys:
            self.stdout.write("Unmapped keys (see /monitoring/unmapped/): " + ", ".join(sorted(summary.unmapped_keys)))
        if summary.bad_rows:
            self.stdout.write("Bad rows are kept with their reason as invalid raw events (source csv).")

    def _progress(self, summary: ImportSummary) -> None:
        rate = summary.rows / summary.seconds if summary.seconds else 0
        self.stderr.write(f"\r{summary.rows:,} rows, {summary.bad_rows:,} bad ({rate:,.0f} rows/s)", ending="")
        self.stderr.flush()
