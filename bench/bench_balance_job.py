"""The scheduled balance check, end to end: 5,000 stored Vonage accounts read through the real SDK
against the fake Vonage HTTPS server, readings stored and balance alerts evaluated. Target: < 60 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_balance \\
        .venv/bin/python -m bench.bench_balance_job [--accounts 5000] [--workers 8] [--limit-s 60]

On a migrated database (empty of vendor accounts whose key starts with ``benchjob``): creates
``--accounts`` customers and Vonage vendor accounts (secrets encrypted as in production), every
tenth a master with a shared and an own-balance sub-account (both with their own rows), then runs
``sms.balances.check_due`` exactly as the ``sms.check_balances`` job does — vendor calls in a pool of
``--workers`` threads, each result stored (one transaction per account) and the balance alerts run
— and checks every account got exactly its balance. ``--faults`` percent of requests first answer
500 or 429, so retries are in the figure. The fake server runs in this process (pessimistic: its
TLS handshakes compete with the clients'). The accounts are deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from decimal import Decimal
from typing import Any

PREFIX = "benchjob"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def expected_balance(n: int) -> Decimal:
    return Decimal(n % 997) + Decimal("0.125")


def run(accounts: int = 5000, *, workers: int = 8, masters_every: int = 10, faults: float = 1.0,
        keep: bool = False) -> dict[str, Any]:
    _setup()
    quieted = {name: logging.getLogger(name).level for name in ("vonage", "aftersales.sms.connectors.base",
                                                                  "aftersales.sms.balances")}
    for name in quieted:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        return _run(accounts, workers=workers, masters_every=masters_every, faults=faults, keep=keep)
    finally:
        for name, level in quieted.items():
            logging.getLogger(name).setLevel(level)


def _run(accounts: int, *, workers: int, masters_every: int, faults: float, keep: bool) -> dict[str, Any]:
    from django.db import connection

    from aftersales.core import clock
    from aftersales.customers.models import Customer
    from aftersales.sms import balances, incidents
    from aftersales.sms.connectors.base import RetryPolicy
    from aftersales.sms.models import BalanceReading, VendorAccount
    from aftersales.sms.tests.fakevonage import FakeSubaccount, FakeVonage
    from bench.bench_balance_sweep import spread_faults

    with FakeVonage() as server:
        previous = {name: os.environ.get(name) for name in server.environ()}
        os.environ.update(server.environ())
        now = clock.now()
        try:
            customers = Customer.objects.bulk_create(
                [Customer(code=f"{PREFIX}{n:05d}", name=f"Bench customer {n}", created_at=now, updated_at=now)
                 for n in range(accounts)]
            )
            host = {"api_host": server.host, "rest_host": server.host, "timeout": 10}
            rows, subs, expected = [], [], {}
            for n, customer in enumerate(customers):
                key, secret = f"{PREFIX}{n:05d}", f"Secret{n:05d}xY"
                fake_subs = []
                if masters_every and n % masters_every == 0:
                    fake_subs = [
                        FakeSubaccount(f"{key}s1", "shared"),
                        FakeSubaccount(f"{key}s2", "own", balance=Decimal("12.5"), credit_limit=Decimal(0)),
                    ]
                    subs.append(n)
                server.add_account(key, secret, balance=expected_balance(n), subaccounts=fake_subs)
                rows.append(VendorAccount(name=f"Bench {n}", kind="vonage", api_key=key, api_secret=secret,
                                          customer=customer, options=host))
                expected[key] = expected_balance(n)
            masters = VendorAccount.objects.bulk_create(rows)
            sub_rows = []
            for n in subs:
                master = masters[n]
                sub_rows.append(VendorAccount(name=f"Bench {n} shared", kind="vonage", api_key=f"{master.api_key}s1",
                                              customer=master.customer, parent=master))
                sub_rows.append(VendorAccount(name=f"Bench {n} own", kind="vonage", api_key=f"{master.api_key}s2",
                                              customer=master.customer, parent=master))
                expected[f"{master.api_key}s1"] = expected_balance(n)
                expected[f"{master.api_key}s2"] = Decimal("12.5")
            VendorAccount.objects.bulk_create(sub_rows)
            faulty = spread_faults(server, accounts + len(subs), faults)

            queries = 0

            def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                nonlocal queries
                queries += 1
                return execute(sql, params, many, context)

            started = time.perf_counter()
            with connection.execute_wrapper(count):
                report = balances.check_due(
                    workers=workers, after_store=incidents.evaluate_accounts,
                    retry_policy=RetryPolicy(attempts=4, backoff=0.05),
                )
            elapsed = time.perf_counter() - started
            stored = dict(
                BalanceReading.objects.filter(account__api_key__startswith=PREFIX)
                .values_list("account__api_key", "value")
            )
            wrong = sum(1 for key, value in expected.items() if stored.get(key) != value)
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            if not keep:
                VendorAccount.objects.filter(api_key__startswith=PREFIX, parent__isnull=False).delete()
                VendorAccount.objects.filter(api_key__startswith=PREFIX).delete()
                Customer.objects.filter(code__startswith=PREFIX).delete()
        return {
            "database": connection.vendor,
            "accounts": accounts,
            "workers": workers,
            "seconds": round(elapsed, 2),
            "accounts_per_s": round(accounts / elapsed, 1) if elapsed else 0.0,
            "checked": report.checked,
            "readings": report.readings,
            "errors": report.errors,
            "queries": queries,
            "requests": len(server.requests),
            "injected_faults": faulty - sum(f.times for f in server.faults),
            "wrong_balances": wrong,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--masters-every", type=int, default=10)
    parser.add_argument("--faults", type=float, default=1.0, help="percent of requests that fail first (500/429)")
    parser.add_argument("--limit-s", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true", help="keep the bench accounts and readings")
    args = parser.parse_args()
    result = run(args.accounts, workers=args.workers, masters_every=args.masters_every, faults=args.faults,
                 keep=args.keep)
    print(result)
    ok = result["checked"] == args.accounts and not result["errors"] and not result["wrong_balances"]
    if result["seconds"] > args.limit_s or not ok:
        print(f"FAIL: {result['seconds']} s (limit {args.limit_s} s), errors {result['errors']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
