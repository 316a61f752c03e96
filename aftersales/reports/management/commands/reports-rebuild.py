"""``aftersales reports-rebuild [--check]``: recount the stored daily figures of the reports.

They are kept exact on their own (``reports.daily``: triggers mark what a ticket change touches, every
read recounts those days first), so this is for a changed desk timezone (``TIME_ZONE``), a restore, a
bulk load (``bench.generate`` leaves a mark per ticket: recounting everything at once is quicker), or
to check that the stored rows equal a fresh count of the tickets (``--check`` changes nothing and
exits non-zero when they differ).
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aftersales.reports import daily


class Command(BaseCommand):
    help = "Recount the reports' stored daily figures from the tickets (or --check them)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--check", action="store_true", help="Compare with a fresh count; change nothing.")
        parser.add_argument("--batch-days", type=int, default=92, help="Days recounted per transaction.")

    def handle(self, *args: Any, check: bool, batch_days: int, **options: Any) -> None:
        if batch_days < 1:
            raise CommandError("--batch-days must be at least 1")
        started = time.monotonic()
        if check:
            found = daily.differences()
            for line in found[:50]:
                self.stdout.write(line)
            if found:
                raise CommandError(f"{len(found)} stored daily figures differ from the tickets; "
                                   "run `aftersales reports-rebuild` to recount them.")
            self.stdout.write(f"The stored daily figures equal the tickets ({time.monotonic() - started:.1f} s).")
            return
        days = daily.rebuild(batch_days=batch_days)
        self.stdout.write(f"Recounted the daily figures of {days:,} days in {time.monotonic() - started:.1f} s.")
