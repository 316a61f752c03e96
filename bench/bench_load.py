"""The load test: 50 agents working tickets plus 500 delivery receipts a second, against 2 gunicorn
workers and 2 task workers on PostgreSQL, for 10 minutes. Verdict: p99 of every page < 500 ms, no
errors, no growth in queue age.

    .venv/bin/python -m bench.bench_load [--minutes 10] [--agents 50] [--dlr-rate 500] [--tickets 20000] \\
        [--pg postgres://postgres@127.0.0.1:5432/postgres] [--database aftersales_bench_load] [--keep]

Sets everything up from nothing (a fresh machine needs only PostgreSQL and ``make setup``):

1. its own database (dropped first), ``aftersales migrate``, ``bench.generate --tickets N`` (customers,
   agents, tickets and their history), a fictional Vonage account for the receipts, and ``--agents``
   agents signed in beforehand (their session keys go to locust; sign-in is not what is measured);
2. ``aftersales web --workers 2 --threads 4``, 2 × ``aftersales worker``, 1 × ``aftersales scheduler`` (the
   periodic jobs run as in production), with ``DB_CONN_MAX_AGE=60`` and ``MONITORING_PROCESS_INLINE=false``
   (the documented setting for receipt volume: the webhook stores, the every-minute drain records;
   ``--inline`` to record before answering); mail goes to a file backend;
3. ``locust`` headless (``bench/load/locustfile.py``): ``--agents`` Agent users (queue, ticket, reply,
   status, search; 2–6 s think time) and 20 DlrSender users at ``--dlr-rate`` / 20 receipts/s each;
4. every 5 s: the task queue's depth and the age of its oldest ready task, and the telemetry raw
   events still waiting to be recorded;
5. the report: per request name, count, failures, p50/p95/p99; the queue-age series; the verdict.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import procs

KEY = "benchload001"
PAGES = ("queue", "ticket", "reply", "status", "search")
QUEUE_AGE = (
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(enqueued_at)), 0) FROM "
    "django_tasks_database_dbtaskresult WHERE status = 'READY' AND run_after <= now() "
    "OR (status = 'READY' AND run_after = '9999-01-01 00:00:00+00')"
)
RAW_WAITING = "SELECT count(*) FROM monitoring_rawevent WHERE state = 'stored'"


def prepare(url: str, *, tickets: int, agents: int, work: Path) -> dict[str, str]:
    env = procs.environment(url)
    print("migrating …", flush=True)
    procs.run_aftersales(["migrate", "--no-input", "-v0"], env)
    print(f"generating {tickets:,} tickets …", flush=True)
    done = subprocess.run([sys.executable, "-m", "bench.generate", "--tickets", str(tickets)],  # noqa: S603
                          cwd=procs.ROOT, env=env, capture_output=True, timeout=3600)
    if done.returncode:
        raise RuntimeError(done.stderr.decode(errors="replace")[-3000:])
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="aftersales.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from aftersales.sms.models import VendorAccount
    from aftersales.testing.factories import make_customer, make_user
    from aftersales.tickets.models import DONE_STATUSES, Ticket

    customer = make_customer("benchload", "Load Harbour Messaging (fictional)")
    VendorAccount.objects.create(customer=customer, name="Load Harbour", kind="vonage", api_key=KEY)
    keys = []
    for n in range(1, agents + 1):
        user = make_user(f"load.agent.{n:02d}", role="agent", display_name=f"Load Agent {n:02d}")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key or "")
    refs = list(Ticket.objects.exclude(status__in=DONE_STATUSES).order_by("-pk").values_list("ref", flat=True)[:2000])
    (work / "sessions").write_text("\n".join(keys))
    (work / "refs").write_text("\n".join(refs))
    from django.db import connections

    connections.close_all()
    return {"LOAD_SESSIONS": str(work / "sessions"), "LOAD_REFS": str(work / "refs"), "LOAD_DLR_KEY": KEY}


def sample(url: str, series: list[dict[str, float]], stop: threading.Event, started: float) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.wait(5):
            depth, age = conn.execute(QUEUE_AGE).fetchone() or (0, 0)
            raw = (conn.execute(RAW_WAITING).fetchone() or (0,))[0]
            series.append({"t": round(time.monotonic() - started), "queue_depth": int(depth),
                           "queue_age_s": round(float(age), 1), "raw_waiting": int(raw),
                           "load1": round(os.getloadavg()[0], 1)})


def read_stats(prefix: Path) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1), "p50_ms": _ms(row["50%"]), "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]), "max_ms": _ms(row["Max Response Time"]),
            }
    return rows


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else round(float(value), 1)


def queue_age_grows(series: list[dict[str, float]]) -> bool:
    """Growth: the oldest ready task in the last quarter is much older than in the first half."""
    if len(series) < 8:
        return False
    ages = [point["queue_age_s"] for point in series]
    first, last = ages[: len(ages) // 2], ages[-max(2, len(ages) // 4):]
    return statistics.mean(last) > max(30.0, 2 * statistics.mean(first) + 10)


def run(*, server_url: str, database: str, minutes: float, agents: int, dlr_rate: float, tickets: int,
        keep: bool, threads: int = 4, inline: bool = False) -> tuple[dict[str, Any], dict[str, bool]]:
    url = procs.recreate_database(server_url, database)
    work = Path(tempfile.mkdtemp(prefix="aftersales-load-"))
    processes: list[Any] = []
    try:
        extra = prepare(url, tickets=tickets, agents=agents, work=work)
        env = procs.environment(url, DB_CONN_MAX_AGE="60", EMAIL_FILE_PATH=str(work / "mail"),
                                EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                                MONITORING_PROCESS_INLINE="true" if inline else "false")
        log = open(work / "processes.log", "wb")  # noqa: SIM115 - closed when the processes stop
        port = procs.free_port()
        web = procs.aftersales(["web", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", str(threads)],
                               env, stdout=log, stderr=log)
        processes.append(web)
        processes += [procs.worker(env, worker_id=f"load-worker-{i}", interval=1, stdout=log, stderr=log)
                      for i in (1, 2)]
        processes.append(procs.aftersales(["scheduler"], env, stdout=log, stderr=log))
        procs.wait_for_port(port, web)
        dlr_users = 20
        locust_env = {**env, **extra, "LOAD_AGENTS": str(agents), "LOAD_DLR_USERS": str(dlr_users),
                      "LOAD_DLR_RATE": str(dlr_rate / dlr_users)}
        series: list[dict[str, float]] = []
        stop = threading.Event()
        started = time.monotonic()
        sampler = threading.Thread(target=sample, args=(url, series, stop, started), daemon=True)
        sampler.start()
        print(f"locust: {agents} agents + {dlr_rate:.0f} receipts/s for {minutes} min against port {port} …",
              flush=True)
        locust = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "locust", "-f", str(procs.ROOT / "bench" / "load" / "locustfile.py"), "--headless",
             "-u", str(agents + dlr_users), "-r", "20", "-t", f"{int(minutes * 60)}s", "--host", f"http://127.0.0.1:{port}",
             "--csv", str(work / "locust"), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=procs.ROOT, env=locust_env, capture_output=True, text=True, timeout=minutes * 60 + 300,
        )
        stop.set()
        sampler.join(timeout=10)
        stats = read_stats(work / "locust")
        log.flush()
        server_errors = (work / "processes.log").read_text(errors="replace").count("Traceback")
        report = {
            "minutes": minutes, "agents": agents, "web": f"gunicorn 2 workers x {threads} threads",
            "receipts": "recorded inline" if inline else "stored, recorded by the every-minute drain",
            "dlr_rate_target": dlr_rate, "tickets": tickets,
            "cpus": os.cpu_count(), "locust_exit": locust.returncode, "stats": stats,
            "queue_series": series, "tracebacks_in_server_logs": server_errors,
        }
        pages = {name: stats[name] for name in PAGES if name in stats}
        total = stats.get("Aggregated", {"requests": 0, "failures": 0})
        dlr = stats.get("dlr", {"rps": 0})
        checks = {
            **{f"p99 {name} < 500 ms ({row['p99_ms']} ms)": (row["p99_ms"] or 0) < 500 for name, row in pages.items()},
            f"no errors ({total['failures']} of {total['requests']:,} requests failed)": total["failures"] == 0,
            f"no traceback in the server logs ({server_errors})": server_errors == 0,
            f"receipts at the target rate ({dlr['rps']}/s of {dlr_rate:.0f}/s)": dlr["rps"] >= 0.95 * dlr_rate,
            "no growth in queue age": not queue_age_grows(series),
        }
        if locust.returncode not in (0, 1):
            print(locust.stderr[-3000:])
        return report, checks
    finally:
        procs.stop(processes)
        if not keep:
            from django.db import connections

            connections.close_all()
            procs.drop_database(server_url, database)
        print(f"work files: {work}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--dlr-rate", type=float, default=500)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--pg", default=procs.DEFAULT_PG)
    parser.add_argument("--database", default="aftersales_bench_load")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--inline", action="store_true",
                        help="MONITORING_PROCESS_INLINE=true (record each receipt before answering; ~300/s at most)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    report, checks = run(server_url=args.pg, database=args.database, minutes=args.minutes, agents=args.agents,
                         dlr_rate=args.dlr_rate, tickets=args.tickets, keep=args.keep, threads=args.threads,
                         inline=args.inline)
    print(json.dumps({key: value for key, value in report.items() if key != "queue_series"}, indent=2))
    print("queue (t s: depth, oldest ready task age s, raw events waiting, load1):")
    for point in report["queue_series"][:: max(1, len(report["queue_series"]) // 24)]:
        print(f"  {point['t']:>5}: {point['queue_depth']:>5}  {point['queue_age_s']:>6}  {point['raw_waiting']:>6}"
              f"  {point['load1']}")
    return 0 if procs.verdict(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
