"""How fast does the retention purge empty old message bodies, and how long does a batch hold its lock?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_retention \
        .venv/bin/python -m bench.bench_retention [--tickets 20000] [--messages-per-ticket 3] [--days 365]

On a migrated database: makes sure at least ``--tickets`` tickets exist (``bench.generate``, spread
over three years), then runs ``privacy.retention.run`` with ``RETENTION_MESSAGE_BODY_DAYS=--days``
and reports the bodies purged, the wall time, the rate and the longest single batch (each batch
is one transaction: the time other writers may wait on it). A second run shows the cost when
nothing is left to purge.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def run(tickets: int, *, messages_per_ticket: int = 3, days: int = 365, batch: int | None = None,
        progress: Any = print) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from aftersales.privacy import retention
    from aftersales.tickets.models import Message, Ticket
    from bench.generate import generate

    missing = tickets - Ticket.objects.count()
    if missing > 0:
        progress(f"generating {missing:,} tickets …")
        generate(tickets=missing, messages_per_ticket=messages_per_ticket, years=3, seed=1)
    settings.RETENTION_MESSAGE_BODY_DAYS = days
    batch = batch or retention.BATCH
    batch_times: list[float] = []
    original = retention._in_batches

    def timed(queryset: Any, change: Any, size: int, after: Any = None) -> int:
        def change_timed(ids: list[int]) -> int:
            started = time.monotonic()
            done = change(ids)
            if after is not None:
                after(ids)
            batch_times.append(time.monotonic() - started)
            return int(done)

        return original(queryset, change_timed, size)

    retention._in_batches = timed  # type: ignore[assignment]
    try:
        started = time.monotonic()
        first = retention.run(batch=batch)
        elapsed = time.monotonic() - started
        started = time.monotonic()
        second = retention.run(batch=batch)
        idle = time.monotonic() - started
    finally:
        retention._in_batches = original  # type: ignore[assignment]
    purged = first.message_bodies
    return {
        "database": connection.vendor, "tickets": Ticket.objects.count(), "messages": Message.objects.count(),
        "purged_bodies": purged, "seconds": round(elapsed, 2),
        "bodies_per_second": round(purged / elapsed) if elapsed else None,
        "batches": len(batch_times), "longest_batch_seconds": round(max(batch_times, default=0.0), 3),
        "second_run_purged": second.total(), "second_run_seconds": round(idle, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--messages-per-ticket", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    _setup()
    result = run(args.tickets, messages_per_ticket=args.messages_per_ticket, days=args.days)
    print(f"{platform.node()} {platform.python_version()}")
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
