"""Balance sweep: read 5,000 vendor accounts' balances through the real Vonage SDK, against the
fake Vonage HTTPS server, with bounded concurrency. Target: under 60 s.

    .venv/bin/python -m bench.bench_balance_sweep [--accounts 5000] [--workers 16] [--limit-s 60]
        [--masters-every 10] [--faults 1.0]

Every account gets its own connector (its own credentials, so its own SDK client and TLS
connection), as a scheduled sweep over stored vendor accounts would. Every ``--masters-every``-th
account is a master whose sub-accounts are listed too (a second request). ``--faults`` percent of
requests answer 500 or 429 (Retry-After: 0) first, so retries are part of the figure. The fake
server runs in this same process (its TLS handshakes share the interpreter with the clients'), which
makes the figure pessimistic. No database: the connectors are library code.

Reports accounts/s, per-account latency (p50/p95/max), retries and outcomes; exits 1 when the
sweep took longer than ``--limit-s`` or an account was not read.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import django


@dataclass
class Outcome:
    api_key: str
    seconds: float
    code: str  # "ok" or the VendorError code
    balance: Decimal | None


def spread_faults(server: Any, requests: int, percent: float) -> int:
    """Make ``percent`` of about ``requests`` requests fail first, spread over the run: every n-th
    request, alternately a 500 and a 429 (``Retry-After: 0``). Returns how many faults were set."""
    faulty = int(requests * percent / 100)
    if faulty:
        every = max(1, round(200 / percent))
        server.fail(500, times=faulty // 2, every=every)
        server.fail(429, times=faulty - faulty // 2, retry_after=0, every=every - 1)
    return faulty


def run(accounts: int = 5000, *, workers: int = 16, masters_every: int = 10, faults: float = 1.0) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    django.setup()
    # The injected faults would print a warning (SDK) and a retry line (ours) each: keep the output readable.
    quieted = {name: logging.getLogger(name).level for name in ("vonage", "aftersales.sms.connectors.base")}
    for name in quieted:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        return _run(accounts, workers=workers, masters_every=masters_every, faults=faults)
    finally:
        for name, level in quieted.items():
            logging.getLogger(name).setLevel(level)


def _run(accounts: int, *, workers: int, masters_every: int, faults: float) -> dict:
    from aftersales.sms.connectors.base import RetryPolicy, VendorError
    from aftersales.sms.connectors.vonage import VonageConnector
    from aftersales.sms.tests.fakevonage import FakeSubaccount, FakeVonage

    with FakeVonage() as server:
        previous = {name: os.environ.get(name) for name in server.environ()}
        os.environ.update(server.environ())
        try:
            credentials = []
            for n in range(accounts):
                key, secret = f"bench{n:05d}", f"Secret{n:05d}xY"
                subs = []
                if masters_every and n % masters_every == 0:
                    subs = [
                        FakeSubaccount(f"{key}s1", "shared"),
                        FakeSubaccount(f"{key}s2", "own", balance=Decimal("12.5"), credit_limit=Decimal(0)),
                    ]
                server.add_account(key, secret, balance=Decimal(n % 997) + Decimal("0.125"), subaccounts=subs)
                credentials.append((key, secret, bool(subs)))
            faulty = spread_faults(server, accounts + sum(1 for c in credentials if c[2]), faults)

            def sweep_one(entry: tuple[str, str, bool]) -> Outcome:
                key, secret, is_master = entry
                started = time.perf_counter()
                connector = VonageConnector(
                    api_key=key,
                    api_secret=secret,
                    api_host=server.host,
                    rest_host=server.host,
                    timeout=10,
                    retry_policy=RetryPolicy(attempts=4, backoff=0.05),
                )
                try:
                    balance = connector.balance()
                    if is_master:
                        connector.subaccounts()
                    return Outcome(key, time.perf_counter() - started, "ok", balance.value)
                except VendorError as error:
                    return Outcome(key, time.perf_counter() - started, error.code, None)
                finally:
                    connector.close()

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=workers) as pool:
                outcomes = list(pool.map(sweep_one, credentials))
            elapsed = time.perf_counter() - started
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        latencies = sorted(o.seconds for o in outcomes)
        codes: dict[str, int] = {}
        for outcome in outcomes:
            codes[outcome.code] = codes.get(outcome.code, 0) + 1
        wrong = sum(
            1 for n, o in enumerate(outcomes) if o.code == "ok" and o.balance != Decimal(n % 997) + Decimal("0.125")
        )
        return {
            "accounts": accounts,
            "workers": workers,
            "seconds": round(elapsed, 2),
            "accounts_per_s": round(accounts / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0.0,
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else 0.0,
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else 0.0,
            "requests": len(server.requests),
            "injected_faults": faulty - sum(f.times for f in server.faults),
            "outcomes": codes,
            "wrong_balances": wrong,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--masters-every", type=int, default=10)
    parser.add_argument("--faults", type=float, default=1.0, help="percent of requests that fail first (500/429)")
    parser.add_argument("--limit-s", type=float, default=60.0)
    args = parser.parse_args()
    result = run(args.accounts, workers=args.workers, masters_every=args.masters_every, faults=args.faults)
    print(result)
    ok = result["outcomes"].get("ok", 0) == args.accounts and not result["wrong_balances"]
    if result["seconds"] > args.limit_s or not ok:
        print(f"FAIL: {result['seconds']} s (limit {args.limit_s} s), outcomes {result['outcomes']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
