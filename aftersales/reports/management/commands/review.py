"""``aftersales review --period 2026-10 --language zh-hans --format pdf --output review.pdf``.

The periodic review (复盘) of a month, a quarter, a week or a range of days (``--from``/``--to``),
optionally for one team or one customer, as HTML, PDF, Markdown or XLSX.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.reports.review import facts, render
from aftersales.reports.scope import ScopeError, from_params


class Command(BaseCommand):
    help = "Write the periodic review (复盘) of a period as HTML, PDF, Markdown or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", default="", help="2026-10 (month), 2026-Q3, 2026-W40 or 2026-10-01..2026-10-15")
        parser.add_argument("--from", dest="from_", default="", help="first day (YYYY-MM-DD), with --to")
        parser.add_argument("--to", default="", help="last day (YYYY-MM-DD), with --from")
        parser.add_argument("--language", default="zh-hans", choices=render.LANGUAGES)
        parser.add_argument("--format", default="html", choices=render.FORMATS)
        parser.add_argument("--output", default="", help="file to write (default: review-<period>-<language>.<format>; "
                                                         "'-' writes to standard output)")
        parser.add_argument("--team", default="", help="a team id")
        parser.add_argument("--customer", default="", help="a customer's short code (includes its sub-accounts)")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {"period": options["period"], "from": options["from_"], "to": options["to"],
                  "team": options["team"], "customer": options["customer"]}
        if not (params["period"] or params["from"] or params["to"]):
            raise CommandError("Give --period (2026-10, 2026-Q3, 2026-W40) or --from and --to.")
        try:
            scope = from_params(params)
        except ScopeError as exc:
            raise CommandError(str(exc)) from None
        try:
            data, _type, name = render.render(lambda: facts.build(scope), options["format"], options["language"])
        except render.PdfUnavailable as exc:
            raise CommandError(str(exc)) from None
        output = options["output"] or name
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"The folder {path.parent} does not exist.")
        path.write_bytes(data)
        self.stdout.write(f"Wrote {path} ({len(data):,} bytes).")
