"""``aftersales simulate SCENARIO [--customer CODE] [--days N] [--seed N] [--json]``: run a traffic
scenario through ingestion and the monitors, and say what fired (see ``monitoring.simulate``)."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aftersales.customers.models import Customer
from aftersales.monitoring import simulate
from aftersales.monitoring.traffic import NEAR_MISSES, SCENARIOS


class Command(BaseCommand):
    help = (
        "Feed a simulated traffic scenario through the desk's ingestion and monitors and print the alerts "
        "fired and the tickets opened. Scenarios: " + ", ".join(SCENARIOS) + "; near-misses that must stay "
        "quiet: " + ", ".join(NEAR_MISSES) + ". For demo and test "
        "databases: it replays monitor passes over the simulated days for the whole desk."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("scenario", choices=SCENARIOS + NEAR_MISSES)
        parser.add_argument("--customer", default="", help="Customer short code (default: the first master account).")
        parser.add_argument("--days", type=int, default=7, help="Days of history to simulate, ending now (at least 3).")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (default: a new one, printed).")
        parser.add_argument("--per-day", type=int, default=2400, help="Messages a day in normal traffic.")
        parser.add_argument("--recovered-hours", type=int, default=0,
                            help="End the scenario this many hours before now, to watch the alerts recover.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, scenario: str, customer: str, days: int, seed: int | None, per_day: int,
               recovered_hours: int, json: bool, **options: Any) -> None:
        target = self._customer(customer)
        if days < 3 or days > 120:
            raise CommandError("--days must be between 3 and 120.")
        if per_day < 100:
            raise CommandError("--per-day must be at least 100 (the monitors need volume to judge).")
        if not 0 <= recovered_hours <= 48:
            raise CommandError("--recovered-hours must be between 0 and 48.")
        started = time.monotonic()
        progress = None if json or options["verbosity"] < 2 else (lambda line: self.stderr.write(line))
        try:
            result = simulate.run(scenario, customer=target, days=days, seed=seed, per_day=per_day,
                                  recovered_hours=recovered_hours, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if json:
            self.stdout.write(_dumps(result.as_dict()))
            return
        self.stdout.write(
            f"{scenario} for {target.code}: {days} days, seed {result.seed}, {result.events:,} events, "
            f"{result.evaluations} monitor passes in {time.monotonic() - started:.1f} s."
        )
        firing = simulate.firing(result)
        self.stdout.write(f"\nAlerts firing at the end: {len(firing)}" if firing else "\nNo alert is firing.")
        for alert in firing:
            self.stdout.write(f"  {alert['explanation']}")
        self.stdout.write(f"\nProactive tickets: {len(result.tickets)}" if result.tickets else "\nNo ticket opened.")
        for ticket in result.tickets:
            self.stdout.write(f"  {ticket['ref']} ({ticket['status']}) {ticket['subject']}")

    def _customer(self, code: str) -> Customer:
        if code:
            found = Customer.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"No customer with the short code {code!r}.")
            return found
        first = Customer.objects.filter(parent__isnull=True).order_by("pk").first()
        if first is None:
            raise CommandError("The desk has no customers yet: run `aftersales demo` or add one first.")
        return first


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
