"""Bulk telemetry ingest: a Reports-API CSV of N rows through ``aftersales import-traffic``'s path
(``monitoring.csvimport.import_csv`` → ``ingest.record_events``) into the rollups. Targets: ≥ 20,000
events/s on PostgreSQL, memory flat for 5,000,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_ingest \\
        .venv/bin/python -m bench.bench_ingest [--rows 1000000] [--accounts 20] [--batch-rows 5000] [--keep]

On a migrated database: creates ``--accounts`` customers and vendor accounts (keys ``benchingest…``),
writes the CSV to a temporary file (outbound rows: 90 % delivered, 6 % failed with err 6/11/1, 4 %
expired; prices, networks of 8 countries, numbers under a few thousand prefixes; times over
``--hours`` hours; 1 % of rows bad, 1 % from an unknown key), imports it, checks the rollups add up to
the file, and prints rows/s, events/s (each outbound row is a submission and a receipt: 2 events) and
the peak RSS, with RSS samples along the way to show it stays flat. The bench's rows are deleted
afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PREFIX = "benchingest"
NETWORKS = [("62130", "NG", "234803"), ("23410", "GB", "447700"), ("45201", "VN", "84912"),
            ("51010", "ID", "62812"), ("40410", "IN", "91981"), ("72406", "BR", "55119"),
            ("46000", "CN", "86138"), ("310260", "US", "1415")]
HEADER = ["account_id", "message_id", "client_ref", "direction", "from", "to", "network", "network_name", "country",
          "country_name", "date_received", "date_finalized", "latency", "status", "error_code",
          "error_code_description", "currency", "total_price"]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def write_csv(path: Path, rows: int, *, accounts: int, hours: int, seed: int) -> dict[str, Any]:
    """The file and what it should add up to."""
    import datetime as dt

    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    expect = {"rows": rows, "good": 0, "bad": 0, "unknown_key": 0, "submitted": 0, "delivered": 0, "failed": 0,
              "expired": 0}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            network, country, prefix = NETWORKS[n % len(NETWORKS)] if rng.random() < 0.5 else rng.choice(NETWORKS)
            received = start + dt.timedelta(seconds=hours * 3600 * n / rows)
            roll = rng.random()
            status, err = ("delivered", "0") if roll < 0.90 else (
                ("failed", rng.choice(["6", "11", "1"])) if roll < 0.96 else ("expired", "0"))
            latency = rng.randint(800, 20_000)
            finalized = received + dt.timedelta(milliseconds=latency)
            key = f"{PREFIX}{n % accounts:04d}"
            if n % 100 == 37:
                key = "benchunknownkey"
                expect["unknown_key"] += 1
            received_text = received.strftime("%Y-%m-%dT%H:%M:%S+0000")
            if n % 100 == 73:
                received_text = "not-a-date"
                expect["bad"] += 1
            elif key != "benchunknownkey":
                expect["good"] += 1
                expect["submitted"] += 1
                expect[status] += 1
            number = prefix + f"{rng.randint(0, 9_999_999):07d}"
            writer.writerow([
                key, f"{seed:02d}{n:010d}", "", "outbound", "Bench", number, network, "", country, "",
                received_text, finalized.strftime("%Y-%m-%dT%H:%M:%S+0000"), latency, status, err, "", "EUR",
                f"0.0{rng.randint(300, 800)}",
            ])
    return expect


def run(rows: int = 1_000_000, *, accounts: int = 20, batch_rows: int = 5000, hours: int = 24, seed: int = 1,
        keep: bool = False, quiet: bool = True) -> dict[str, Any]:
    _setup()
    from django.db import connection
    from django.db.models import Sum

    from aftersales.core import clock
    from aftersales.customers.models import Customer
    from aftersales.monitoring.csvimport import import_csv
    from aftersales.monitoring.ingest import seen_numbers
    from aftersales.monitoring.models import MessageRecord, PrefixRollup, RawEvent, TrafficRollup
    from aftersales.sms.models import VendorAccount

    now = clock.now()
    customers = [Customer.objects.get_or_create(code=f"{PREFIX}{n:04d}", defaults={
        "name": f"Bench ingest {n}", "created_at": now, "updated_at": now})[0] for n in range(accounts)]
    account_ids = [VendorAccount.objects.get_or_create(api_key=f"{PREFIX}{n:04d}", kind="vonage", defaults={
        "name": f"Bench ingest {n}", "customer": customer})[0].pk for n, customer in enumerate(customers)]
    seen_numbers.clear()
    samples: list[tuple[int, float]] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "SMS_bench.csv"
            started = time.monotonic()
            expect = write_csv(path, rows, accounts=accounts, hours=hours, seed=seed)
            generated_s = time.monotonic() - started
            rss_before = rss_mb()

            def progress(summary: Any) -> None:
                if summary.rows % (batch_rows * 20) == 0 or summary.rows == rows:
                    samples.append((summary.rows, round(rss_mb(), 1)))
                if not quiet:
                    rate = summary.rows / summary.seconds if summary.seconds else 0
                    sys.stderr.write(f"\r{summary.rows:,} rows ({rate:,.0f} rows/s, RSS {rss_mb():.0f} MB)")

            with path.open(encoding="utf-8", newline="") as handle:
                summary = import_csv(handle, batch_rows=batch_rows, progress=progress)
            if not quiet:
                sys.stderr.write("\n")
        totals = TrafficRollup.objects.filter(account_id__in=account_ids).aggregate(
            submitted=Sum("submitted"), delivered=Sum("delivered"), failed=Sum("failed"), expired=Sum("expired"))
        wrong = {name: (totals[name], expect[name]) for name in ("submitted", "delivered", "failed", "expired")
                 if totals[name] != expect[name]}
        events = summary.recorded
        return {
            "database": connection.vendor,
            "rows": summary.rows,
            "events_recorded": events,
            "bad_rows": summary.bad_rows,
            "unmapped_events": summary.unmapped,
            "seconds": round(summary.seconds, 1),
            "rows_per_second": round(summary.rows / summary.seconds),
            "events_per_second": round(events / summary.seconds),
            "generate_csv_seconds": round(generated_s, 1),
            "rss_mb_before_import": round(rss_before, 1),
            "rss_mb_samples": samples,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rollup_rows": TrafficRollup.objects.filter(account_id__in=account_ids).count(),
            "prefix_rows": PrefixRollup.objects.filter(account_id__in=account_ids).count(),
            "wrong_totals": wrong,
            "bad_rows_expected": expect["bad"],
            "load_average": os.getloadavg(),
        }
    finally:
        if not keep:
            keys = ["benchunknownkey", *(f"{PREFIX}{n:04d}" for n in range(accounts))]
            for model in (MessageRecord, TrafficRollup, PrefixRollup):
                model.objects.filter(account_id__in=account_ids)._raw_delete(model.objects.db)  # type: ignore[attr-defined]
            RawEvent.objects.filter(source="csv", api_key__in=keys)._raw_delete(RawEvent.objects.db)  # type: ignore[attr-defined]
            VendorAccount.objects.filter(pk__in=account_ids).delete()
            Customer.objects.filter(code__startswith=PREFIX).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--batch-rows", type=int, default=5000)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    result = run(args.rows, accounts=args.accounts, batch_rows=args.batch_rows, hours=args.hours, seed=args.seed,
                 keep=args.keep, quiet=False)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
