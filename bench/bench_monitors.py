"""Monitor pass: every monitor over 2,000 vendor accounts × 50 countries of hourly rollups.
Target: one pass under 10 s on PostgreSQL.

    DATABASE_URL=postgres://… .venv/bin/python -m bench.bench_monitors [--accounts 2000] [--countries 50]
        [--history-rows 11] [--anomalies 20] [--limit-s 10]

Data (``bulk_create``, into a migrated database; the bench's rows are deleted first): each account ×
country gets the 13 recent hourly rows a pass reads for its windows plus ``--history-rows`` rows
spread over the 90 days before (baseline and volume history), all healthy OTP traffic (95 %
delivered, ~70 % converted). ``--anomalies`` accounts get a pumping attack in one country (unused
codes, 40 numbers under one prefix), so the pass also upserts alerts and opens tickets.

Reports the first pass (alerts created, incidents and tickets opened) and a second pass (steady
state: the same alerts updated, nothing new), with the pass's own query count; exits 1 when a pass
took longer than ``--limit-s``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from typing import Any

import django

COUNTRIES = (
    "NG", "GB", "US", "IN", "ID", "BR", "MX", "PH", "VN", "TH", "MY", "SG", "AE", "SA", "EG", "KE", "ZA",
    "TR", "DE", "FR", "ES", "IT", "NL", "PL", "RO", "UA", "RU", "KZ", "PK", "BD", "LK", "NP", "CN", "HK",
    "TW", "JP", "KR", "AU", "NZ", "CA", "AR", "CL", "CO", "PE", "VE", "EC", "GH", "CI", "MA", "QA",
)
NOW = dt.datetime(2026, 3, 10, 12, 5, tzinfo=dt.UTC)
PREFIX = "BENCHMON"


def build(*, accounts: int, countries: int, history_rows: int, anomalies: int, seed: int = 1) -> dict[str, int]:
    from aftersales.customers.models import Customer
    from aftersales.monitoring.models import Alert, AlertIncident, PrefixRollup, TrafficRollup
    from aftersales.sms.models import VendorAccount

    rng = random.Random(seed)
    old = VendorAccount.objects.filter(api_key__startswith=PREFIX)
    TrafficRollup.objects.filter(account__in=old).delete()
    PrefixRollup.objects.filter(account__in=old).delete()
    Alert.objects.filter(account__in=old).delete()
    AlertIncident.objects.filter(customer__code__startswith="bench-mon-").delete()
    old.delete()
    per_customer = 4
    customers = Customer.objects.bulk_create([
        Customer(code=f"bench-mon-{n:05d}", name=f"Bench monitoring {n}", language="en", created_at=NOW,
                 updated_at=NOW)
        for n in range((accounts + per_customer - 1) // per_customer)
    ], ignore_conflicts=True)
    customers = list(Customer.objects.filter(code__startswith="bench-mon-").order_by("code"))
    VendorAccount.objects.bulk_create([
        VendorAccount(customer=customers[n // per_customer], name=f"Bench {n}", kind="simulator",
                      api_key=f"{PREFIX}{n:06d}")
        for n in range(accounts)
    ])
    ids = list(
        VendorAccount.objects.filter(api_key__startswith=PREFIX).order_by("api_key").values_list("pk", flat=True)
    )
    top = NOW.replace(minute=0)
    recent_hours = [top - dt.timedelta(hours=n) for n in range(13)]
    history_span = 90 * 24
    rows = 0
    batch: list[TrafficRollup] = []
    attacked = set(rng.sample(range(accounts), min(anomalies, accounts)))

    def flush() -> None:
        nonlocal rows
        TrafficRollup.objects.bulk_create(batch, batch_size=5000)
        rows += len(batch)
        batch.clear()

    for index, account_id in enumerate(ids):
        for country in COUNTRIES[:countries]:
            volume = rng.randint(5, 60)
            older = [top - dt.timedelta(hours=rng.randint(14, history_span)) for _ in range(history_rows)]
            hours = recent_hours + older
            for hour in dict.fromkeys(hours):
                submitted = max(1, int(volume * rng.uniform(0.7, 1.3)))
                delivered = int(submitted * 0.95)
                verified = int(submitted * rng.uniform(0.62, 0.78))
                if index in attacked and country == COUNTRIES[0] and hour >= top - dt.timedelta(hours=1):
                    submitted, delivered, verified = 400, 390, 8
                batch.append(TrafficRollup(
                    account_id=account_id, hour=hour, country=country, network="", submitted=submitted,
                    delivered=delivered, failed=submitted - delivered, errors={"1": submitted - delivered},
                    conversion_requested=submitted, conversion_verified=verified,
                    cost=Decimal(submitted) * Decimal("0.03"),
                ))
            if len(batch) >= 20_000:
                flush()
    flush()
    PrefixRollup.objects.bulk_create([
        PrefixRollup(account_id=ids[n], hour=top, prefix="23480312", country=COUNTRIES[0], messages=80, numbers=40)
        for n in attacked
    ])
    return {"accounts": accounts, "countries": countries, "rollups": rows, "attacked": len(attacked)}


def run(accounts: int = 2000, *, countries: int = 50, history_rows: int = 11, anomalies: int = 20) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    django.setup()
    import time_machine

    from aftersales.monitoring.alerts import evaluate_all

    started = time.perf_counter()
    built = build(accounts=accounts, countries=countries, history_rows=history_rows, anomalies=anomalies)
    build_s = time.perf_counter() - started
    with time_machine.travel(NOW, tick=False):
        t0 = time.perf_counter()
        first = evaluate_all()
        first_s = time.perf_counter() - t0
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        t0 = time.perf_counter()
        second = evaluate_all()
        second_s = time.perf_counter() - t0
    return {
        **built, "build_s": round(build_s, 1),
        "first_pass_s": round(first_s, 2), "first": {"findings": first.findings, "alerts": first.alerts_opened,
                                                      "incidents": first.incidents_opened,
                                                      "context_queries": first.queries},
        "second_pass_s": round(second_s, 2), "second": {"findings": second.findings,
                                                        "alerts_updated": second.alerts_updated,
                                                        "incidents_opened": second.incidents_opened},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--countries", type=int, default=50)
    parser.add_argument("--history-rows", type=int, default=11)
    parser.add_argument("--anomalies", type=int, default=20)
    parser.add_argument("--limit-s", type=float, default=10.0)
    args = parser.parse_args()
    result = run(args.accounts, countries=args.countries, history_rows=args.history_rows, anomalies=args.anomalies)
    for key, value in result.items():
        print(f"{key:>16}: {value}")
    slow = max(result["first_pass_s"], result["second_pass_s"]) > args.limit_s
    print("FAIL: a pass took longer than the limit" if slow else "ok")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
