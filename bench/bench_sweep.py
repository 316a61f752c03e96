"""Does the SLA sweep's cost follow the due tickets, not the open ones?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_sweep \
        .venv/bin/python -m bench.bench_sweep [--open 200000] [--due 0,100,1000] [--repeat 3]

On a migrated database: makes sure at least ``--open`` tickets exist (``bench.generate``, one
message per ticket), then opens them all and sets their clocks in bulk (default policy,
deadlines and ``sla_check_at`` spread over the coming days, so none is due). For each count in
``--due`` it makes that many tickets due (their first response one minute late), runs
``tickets.tasks.sweep`` and reports wall time and SQL queries; each due ticket is handled
(breach notice, flag, timeline event, notifications to owner and leads). Then it puts the
tickets back and repeats (``--repeat``) to give a median. A final sweep with nothing due shows
the floor: one indexed query, whatever the backlog.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import time
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def prepare(open_count: int, *, seed: int = 1, progress: Any = print) -> list[int]:
    """At least ``open_count`` open tickets with future clocks; returns their ids."""
    from django.db import transaction

    from aftersales.core import clock
    from aftersales.sla.policies import default_policy
    from aftersales.tickets.models import Ticket
    from bench.generate import generate

    missing = open_count - Ticket.objects.count()
    if missing > 0:
        progress(f"generating {missing:,} tickets …")
        started = time.monotonic()
        generate(tickets=missing, messages_per_ticket=1, years=0.25, seed=seed)
        progress(f"  generated in {time.monotonic() - started:.0f} s")
    ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True)[:open_count])
    policy = default_policy()
    now = clock.now()
    opened = now - dt.timedelta(minutes=30)  # so no warning is due, only the breaches each round makes
    started = time.monotonic()
    # Open them all with clocks due over the next ~8 days (1,000 tickets per hour step).
    for step, offset in enumerate(range(0, len(ids), 1000)):
        chunk = ids[offset:offset + 1000]
        later = now + dt.timedelta(hours=1 + step % 200)
        with transaction.atomic():
            Ticket.objects.filter(pk__in=chunk).update(
                status="open", imported=False, sla_policy=policy, first_response_at=None, created_at=opened,
                first_response_due_at=later, resolution_due_at=later + dt.timedelta(days=3),
                next_response_due_at=None, paused_since=None, first_response_breached=False,
                resolution_breached=False, sla_check_at=later,
            )
    progress(f"clocks set on {len(ids):,} open tickets in {time.monotonic() - started:.0f} s")
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have them
        cursor.execute("ANALYZE tickets_ticket" if connection.vendor == "postgresql" else "ANALYZE")
    return ids


class QueryCounter:
    """Counts SQL statements (no log size limit, unlike CaptureQueriesContext)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def explain(now: Any) -> str:
    from aftersales.tickets import tasks

    query = tasks.due_tickets(now).order_by("sla_check_at", "pk").values_list("sla_check_at", "pk")[: tasks.CHUNK]
    return query.explain()


def measure(ids: list[int], due: int, *, rng: random.Random) -> tuple[float, int, Any]:
    from django.db import connection

    from aftersales.core import clock
    from aftersales.tickets import tasks
    from aftersales.tickets.models import Ticket

    now = clock.now()
    chosen = rng.sample(ids, due) if due else []
    saved = {
        row["pk"]: row
        for row in Ticket.objects.filter(pk__in=chosen).values("pk", "first_response_due_at", "sla_check_at")
    }
    late = now - dt.timedelta(minutes=1)
    Ticket.objects.filter(pk__in=chosen).update(first_response_due_at=late, sla_check_at=late)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        report = tasks.sweep(now=now)
        elapsed = time.perf_counter() - started
    assert report.breaches == due, report
    for pk, row in saved.items():  # put them back for the next round
        Ticket.objects.filter(pk=pk).update(
            first_response_due_at=row["first_response_due_at"], sla_check_at=row["sla_check_at"],
            first_response_breached=False,
        )
    return elapsed, counter.count, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=200_000, dest="open_count")
    parser.add_argument("--due", default="0,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _setup()
    from django.conf import settings
    from django.db import connection

    from aftersales.tickets.models import Ticket

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # measure the sweep only
    ids = prepare(args.open_count)
    open_now = Ticket.objects.filter(status__in=["new", "open", "waiting_customer", "waiting_vendor"]).count()
    print(f"{connection.vendor}, {open_now:,} open tickets, Python {platform.python_version()}")
    from aftersales.core import clock

    print("plan of the sweep's scan:", explain(clock.now()).replace("\n", " / "))
    rng = random.Random(7)
    print("| due tickets | sweep time (median) | per due ticket | SQL queries |")
    print("|---:|---:|---:|---:|")
    for due in [int(part) for part in args.due.split(",")]:
        runs = [measure(ids, due, rng=rng) for _ in range(args.repeat)]
        median = statistics.median(run[0] for run in runs)
        per = f"{median / due * 1000:.2f} ms" if due else "—"
        print(f"| {due:,} | {median * 1000:,.1f} ms | {per} | {runs[-1][1]:,} |")


if __name__ == "__main__":
    main()
