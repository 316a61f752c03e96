"""``aftersales pull-reports [--account ID] [--from ISO --to ISO] [--json]``.

What the hourly job ``monitoring.pull_reports`` does, by hand: each active Vonage (or simulator)
account's due Reports API windows (``monitoring.reports_pull``), a progress line per window on
stderr, a summary at the end. ``--from``/``--to`` pull that range again (in windows of at most 24
hours), even windows pulled before: what was already recorded comes back as duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.core import clock
from aftersales.monitoring import payloads
from aftersales.monitoring.reports_pull import WindowOutcome, pull_all, pullable_accounts, settled_end


def _moment(text: str, option: str) -> dt.datetime:
    try:
        return payloads.parse_time(text.strip(), name=option)
    except payloads.Malformed as exc:
        raise CommandError(f"{option}: {exc} (ISO 8601, e.g. 2026-11-25T09:00:00Z)") from exc


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = "Pull message records from the Vonage Reports API into the rollups (what the hourly job does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", type=int, help="Only this vendor account (its id).")
        parser.add_argument("--from", dest="start", help="Pull this range again: start (ISO 8601, UTC if no offset).")
        parser.add_argument("--to", dest="end", help="End of the range (ISO 8601); at most the last settled hour.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        start = _moment(options["start"], "--from") if options["start"] else None
        end = _moment(options["end"], "--to") if options["end"] else None
        if (start is None) != (end is None):
            raise CommandError("Give both --from and --to, or neither.")
        if start is not None and end is not None:
            if end <= start:
                raise CommandError("--to must be after --from.")
            latest = settled_end(now)
            if end > latest:
                raise CommandError(
                    f"--to must be at most {latest.isoformat()}: records of the last hours are still being "
                    "finalised (the hourly job pulls them later)."
                )
        account_ids = None
        if options["account"] is not None:
            account_ids = [options["account"]]
            if not pullable_accounts(account_ids):
                raise CommandError(f"No active Vonage or simulator vendor account with the id {options['account']}.")
        run = pull_all(now=now, account_ids=account_ids, start=start, end=end, progress=self._progress)
        data = run.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{data['accounts']:,} account(s), {data['windows']:,} window(s): {data['records']:,} records, "
                f"{data['recorded']:,} events recorded, {data['duplicates']:,} duplicates, "
                f"{data['failed']:,} failed"
            )
        if run.failed:
            raise CommandError(
                f"{len(run.failed)} window(s) failed; they are retried at the next run. First: {run.failed[0].error}"
            )

    def _progress(self, outcome: WindowOutcome) -> None:
        line = (
            f"{outcome.account} (#{outcome.account_id}) {outcome.direction} {_when(outcome.start)} → "
            f"{_when(outcome.end)}: {outcome.state}, {outcome.pages:,} page(s), {outcome.records:,} records, "
            f"{outcome.recorded:,} recorded, {outcome.duplicates:,} duplicates"
        )
        if outcome.unmapped:
            line += f", {outcome.unmapped:,} unmapped (see /monitoring/unmapped/)"
        if outcome.invalid:
            line += f", {outcome.invalid:,} unreadable"
        if outcome.error:
            line += f" — {outcome.error}"
        self.stderr.write(line)
