"""What the operations endpoints and backups cost on a given desk.

    DATABASE_URL=… .venv/bin/python -m bench.bench_ops [--repeat 20] [--backup DIR]

Fetches ``/metrics`` and ``/readyz`` through Django's test client (from 127.0.0.1, with the token
when ``METRICS_TOKEN`` is set) ``--repeat`` times after one warm-up and prints the median and the
slowest wall time and the SQL queries per request. With ``--backup DIR`` it also times one
``aftersales backup`` into DIR and prints its size (and removes nothing: delete DIR yourself).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backup", type=Path, default=None)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aftersales.tickets.models import Ticket

    headers = {"Authorization": f"Bearer {settings.METRICS_TOKEN}"} if settings.METRICS_TOKEN else {}
    client = Client()
    print(f"{connection.vendor}, {Ticket.objects.count()} tickets")
    for path in ("/metrics", "/readyz"):
        client.get(path, headers=headers)  # warm-up
        times = []
        queries = 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            queries = len(captured)
        print(f"{path:10} median {statistics.median(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   "
              f"{queries} queries   {len(response.content)} bytes")
    if args.backup:
        from aftersales.ops.backup import make_backup

        started = time.perf_counter()
        made = make_backup(args.backup)
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in made.iterdir())
        print(f"backup     {elapsed:7.2f} s   {size / 1e6:.1f} MB   {made}")


if __name__ == "__main__":
    main()
