"""``aftersales demo``: fill an empty desk with invented customers, agents and tickets."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.demo import data, loader


class Command(BaseCommand):
    help = (
        "Load deterministic demo data (invented customers, agents and ~600 tickets over the last 6 months) "
        "into an empty desk, then print the demo logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing (and say so) when the desk already has data, instead of failing.")
        parser.add_argument("--seed", type=int, default=loader.DEFAULT_SEED,
                            help="Random seed; the same seed gives the same data (default %(default)s).")
        parser.add_argument("--tickets", type=int, default=loader.DEFAULT_TICKETS,
                            help="How many tickets (default %(default)s).")
        parser.add_argument("--days", type=int, default=loader.DEFAULT_DAYS,
                            help="Spread the tickets over this many past days (default %(default)s).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tickets"] < 0 or options["days"] < 1:
            raise CommandError("--tickets must be 0 or more and --days at least 1.")
        found = loader.existing_data()
        if any(found.values()):
            summary = ", ".join(f"{count} {what}" for what, count in found.items() if count)
            if not options["if_empty"]:
                raise CommandError(
                    f"The desk already has data ({summary}); demo data is only loaded into an empty database. "
                    "Use --if-empty to skip quietly, or point DATABASE_URL at a new database."
                )
            self.stdout.write(f"The desk already has data ({summary}); demo data not loaded.")
            self._print_logins()
            return
        started = time.monotonic()
        result = loader.load(
            tickets=options["tickets"], seed=options["seed"], days=options["days"],
            progress=(lambda line: self.stderr.write(line)) if options["verbosity"] > 1 else None,
        )
        self.stdout.write(self.style.SUCCESS(
            f"Demo data loaded in {time.monotonic() - started:.1f} s: {result.agents} agents, "
            f"{result.customers} customers, {result.contacts} contacts, {result.tickets} tickets."
        ))
        self._print_logins()

    def _print_logins(self) -> None:
        users = [(seed, user) for seed, user in loader.demo_users() if user is not None]
        if not users:
            return
        self.stdout.write("\nDemo logins (all use the same password):")
        width = max(len(seed.username) for seed, _ in users)
        for seed, _user in users:
            self.stdout.write(f"  {seed.username:<{width}}  {data.DEMO_PASSWORD}  {seed.role:<6}  "
                              f"{seed.display_name} — {seed.duty}")
        self.stdout.write("\nCustomer portal (/portal/), same password:")
        for email in data.PORTAL_CONTACTS:
            self.stdout.write(f"  {email}")
        self.stdout.write("")
