"""How fast the leads' dashboard answers and the review renders on a big desk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench1m \\
        .venv/bin/python -m bench.bench_reports [--repeat 5] [--quarter 2026-Q3] [--month 2026-10]

Run it on data made by ``bench.generate`` (the issue's target: 1,000,000 tickets over 3 years on
PostgreSQL). Prints, for the dashboard (last 30 days, a month, a quarter, one customer), the
median server time over ``--repeat`` fetches after a warm-up and the number of SQL queries; then,
each in a fresh process (so its peak memory is its own), the time to render the quarter's review
as HTML and as PDF in Chinese and English, with the process's peak RSS.

Targets: dashboard ≤ 300 ms, quarterly review HTML ≤ 5 s, PDF ≤ 15 s, memory ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def _lead() -> Any:
    from django.contrib.auth.models import Group, User

    from aftersales.people.models import AgentProfile

    lead, created = User.objects.get_or_create(username="bench-lead")
    if created:
        lead.groups.add(Group.objects.get(name="lead"))
        AgentProfile.objects.create(user=lead, display_name="Bench Lead", language="zh-hans")
    return lead


def dashboard(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aftersales.customers.models import Customer
    from aftersales.tickets.models import Ticket

    client = Client()
    client.force_login(_lead())
    top = Customer.objects.filter(parent__isnull=True, code__startswith="bench-").order_by("pk").first()
    pages = [
        ("dashboard: last 30 days", "/reports/"),
        (f"dashboard: month {args.month}", f"/reports/?period={args.month}"),
        (f"dashboard: quarter {args.quarter}", f"/reports/?period={args.quarter}"),
        ("dashboard: one customer + subs, quarter",
         f"/reports/?period={args.quarter}&customer={top.code}" if top else None),
        ("dashboard: by owner, month", f"/reports/?period={args.month}&dim=owner"),
    ]
    print(f"{Ticket.objects.count():,} tickets on {connection.vendor}")
    print(f"{'page':42} {'median ms':>10} {'max ms':>8} {'queries':>8} status")
    for label, url in pages:
        if url is None:
            continue
        client.get(url)  # warm-up
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
        print(f"{label:42} {statistics.median(times):10.0f} {max(times):8.0f} {len(queries):8d} {response.status_code}")


def one_review(period: str, language: str, fmt: str) -> None:
    """Render one review in this process and print its time and this process's peak RSS as JSON."""
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, f"review.{fmt}")
        started = time.perf_counter()
        call_command("review", period=period, language=language, format=fmt, output=out, verbosity=0)
        seconds = time.perf_counter() - started
        size = os.path.getsize(out)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb), "bytes": size}))


def reviews(args: argparse.Namespace) -> None:
    print(f"\n{'review ' + args.quarter:42} {'seconds':>10} {'peak MB':>8} {'size KB':>8}")
    for language in ("zh-hans", "en"):
        for fmt in ("html", "pdf", "md", "xlsx"):
            done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
                [sys.executable, "-m", "bench.bench_reports", "--one", args.quarter, language, fmt],
                capture_output=True, text=True, check=False,
            )
            if done.returncode:
                print(f"{language} {fmt}: failed\n{done.stderr[-2000:]}")
                continue
            found = json.loads(done.stdout.strip().splitlines()[-1])
            name = f"{language} {fmt}"
            print(f"{name:42} {found['seconds']:10.2f} {found['peak_mb']:8d} {found['bytes'] // 1024:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quarter", default="2026-Q3")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--one", nargs=3, metavar=("PERIOD", "LANGUAGE", "FORMAT"), help=argparse.SUPPRESS)
    parser.add_argument("--skip-review", action="store_true")
    args = parser.parse_args()
    _setup()
    if args.one:
        one_review(*args.one)
        return
    dashboard(args)
    if not args.skip_review:
        reviews(args)


if __name__ == "__main__":
    main()
