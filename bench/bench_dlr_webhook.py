"""The Vonage DLR webhook under load: gunicorn (``aftersales web``) on PostgreSQL, requests from a
local load generator (threads, one keep-alive ``http.client`` connection each), compared with an empty
Django view on the same server in the same run. Target: ≥ 1,000 requests/s on 2 cores, p99 < 50 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_ingest \\
        .venv/bin/python -m bench.bench_dlr_webhook [--requests 20000] [--concurrency 8] \\
        [--workers 3] [--threads 4] [--max-seconds 120] [--deferred]

On a migrated database: creates a customer and a vendor account (key ``benchdlr0001``), starts
``aftersales web`` on a free loopback port with ``DJANGO_SETTINGS_MODULE=bench.bench_settings`` (the
production URLs plus ``/bench/empty``, a view that does nothing; never in production) and
``DB_CONN_MAX_AGE`` set (persistent connections, as production should run). Each endpoint gets a
warm-up, then ``--requests`` requests (bounded by ``--max-seconds``): the empty view first, then
delivery receipts posted as a form (90 % delivered, 10 % failed with err 6; unique message ids). Inline (the
default), every receipt goes the whole way before its answer — raw event stored and committed, then
recorded into message parts and the hourly rollups; ``--deferred`` (``MONITORING_PROCESS_INLINE=false``)
only stores it, and the bench then times the drain that records them. Either way it checks afterwards
that the rollups count every receipt exactly once.
Only loopback traffic; the server is stopped and the bench's rows deleted at the end.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

KEY = "benchdlr0001"
ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    import django

    django.setup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load(port: int, make_request: Any, *, total: int, concurrency: int, max_seconds: float) -> dict[str, Any]:
    """Send ``total`` requests over ``concurrency`` keep-alive connections; latency per request."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures: list[int] = [0] * concurrency
    deadline = time.monotonic() + max_seconds

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.monotonic() < deadline:
                with lock:
                    n = next(counter)
                if n >= total:
                    return
                method, path, body, headers = make_request(n)
                started = time.perf_counter()
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = 200 <= response.status < 300
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    ok = False
                latencies[slot].append(time.perf_counter() - started)
                if not ok:
                    failures[slot] += 1
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [value for chunk in latencies for value in chunk]
    return {
        "requests": len(flat),
        "failed": sum(failures),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(flat) / elapsed) if elapsed else 0,
        "p50_ms": round(statistics.median(flat) * 1000, 2) if flat else None,
        "p90_ms": round(_percentile(flat, 0.90) * 1000, 2) if flat else None,
        "p99_ms": round(_percentile(flat, 0.99) * 1000, 2) if flat else None,
        "max_ms": round(max(flat) * 1000, 2) if flat else None,
    }


def _wait_until_up(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/bench/empty")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def measure(port: int, *, requests: int, concurrency: int, warmup: int, max_seconds: float,
            when: Any = None) -> dict[str, Any]:
    """The empty view, then delivery receipts for ``KEY``, against a server on ``port``."""
    import datetime as dt

    now = when or dt.datetime.now(dt.UTC)
    run_id = f"{int(time.time() * 1000) % 10_000_000:07d}"
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    rng = random.Random(1)
    numbers = [f"2348031{rng.randint(0, 999_999):06d}" for _ in range(5000)]

    def dlr(n: int) -> tuple[str, str, str, dict[str, str]]:
        failed = n % 10 == 9
        body = urllib.parse.urlencode({
            "api-key": KEY, "messageId": f"BD{run_id}{n:09d}", "msisdn": numbers[n % len(numbers)],
            "network-code": "62130", "price": "0.03330000", "status": "failed" if failed else "delivered",
            "err-code": "6" if failed else "0", "to": "Bench", "message-timestamp": stamp,
            "scts": now.strftime("%y%m%d%H%M"),
        })
        return "POST", "/hooks/vonage/dlr", body, {"Content-Type": "application/x-www-form-urlencoded"}

    def empty(n: int) -> tuple[str, str, str, dict[str, str]]:
        return "POST", "/bench/empty", "a=1", {"Content-Type": "application/x-www-form-urlencoded"}

    load(port, empty, total=warmup, concurrency=concurrency, max_seconds=max_seconds)
    empty_result = load(port, empty, total=requests, concurrency=concurrency, max_seconds=max_seconds)
    load(port, lambda n: dlr(requests + n), total=warmup, concurrency=concurrency, max_seconds=max_seconds)
    dlr_result = load(port, dlr, total=requests, concurrency=concurrency, max_seconds=max_seconds)
    return {"empty_view": empty_result, "dlr_webhook": dlr_result, "receipts_sent": dlr_result["requests"] + warmup}


def run(requests: int = 20_000, *, concurrency: int = 8, workers: int = 3, threads: int = 4, warmup: int = 500,
        max_seconds: float = 120, keep: bool = False, inline: bool = True) -> dict[str, Any]:
    _setup()
    from django.db import connection as db
    from django.db.models import Sum

    from aftersales.core import clock
    from aftersales.customers.models import Customer
    from aftersales.monitoring.models import MessageRecord, PrefixRollup, RawEvent, TrafficRollup
    from aftersales.sms.models import VendorAccount

    now = clock.now()
    customer, _ = Customer.objects.get_or_create(code="benchdlr", defaults={
        "name": "Bench DLR", "created_at": now, "updated_at": now})
    account, _ = VendorAccount.objects.get_or_create(api_key=KEY, kind="vonage", defaults={
        "name": "Bench DLR", "customer": customer})
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bench_settings", "DB_CONN_MAX_AGE": "600",
           "LOG_LEVEL": "WARNING", "MONITORING_PROCESS_INLINE": "true" if inline else "false"}
    db.close()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "aftersales", "web", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(port, server)
        measured = measure(port, requests=requests, concurrency=concurrency, warmup=warmup,
                           max_seconds=max_seconds, when=now)
        load_average = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    drain: dict[str, Any] | None = None
    if not inline:
        from django.test import override_settings

        from aftersales.monitoring.actions_ingestion import process_stored

        started = time.perf_counter()
        with override_settings(MONITORING_PROCESS_INLINE=False):
            drained = process_stored()
        seconds = time.perf_counter() - started
        drain = {"raw_events": drained.raw_events, "recorded": drained.result.recorded, "seconds": round(seconds, 2),
                 "events_per_second": round(drained.raw_events / seconds) if seconds else None}
    totals = TrafficRollup.objects.filter(account=account).aggregate(delivered=Sum("delivered"), failed=Sum("failed"))
    counted = (totals["delivered"] or 0) + (totals["failed"] or 0)
    result = {
        "database": db.vendor,
        "server": f"gunicorn, {workers} workers × {threads} threads",
        "processing": "inline (recorded before the answer)" if inline else "deferred (stored; drain records)",
        "drain": drain,
        "concurrency": concurrency,
        "cpus": os.cpu_count(),
        **measured,
        "receipts_in_rollups": counted,
        "raw_events_processed": RawEvent.objects.filter(api_key=KEY, state="processed").count(),
        "load_average_after": load_average,
    }
    if not keep:
        for model in (MessageRecord, TrafficRollup, PrefixRollup):
            model.objects.filter(account=account)._raw_delete(model.objects.db)  # type: ignore[attr-defined]
        RawEvent.objects.filter(api_key=KEY)._raw_delete(RawEvent.objects.db)  # type: ignore[attr-defined]
        account.delete()
        customer.delete()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--deferred", action="store_true",
                        help="MONITORING_PROCESS_INLINE=false: the webhook stores; the drain (timed here) records.")
    args = parser.parse_args()
    print(json.dumps(run(args.requests, concurrency=args.concurrency, workers=args.workers, threads=args.threads,
                         warmup=args.warmup, max_seconds=args.max_seconds, keep=args.keep,
                         inline=not args.deferred), indent=2))


if __name__ == "__main__":
    main()
