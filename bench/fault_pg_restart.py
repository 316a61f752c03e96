"""Fault: restart PostgreSQL under load. Requests fail cleanly with 503 (never 500, never a
traceback), recover by themselves, webhooks answer 5xx meanwhile so their sender retries, and no
delivery receipt is lost.

    .venv/bin/python -m bench.fault_pg_restart [--seconds 40] [--restart-after 12] [--senders 4] [--keep]

It never touches the machine's shared PostgreSQL: it creates a **private cluster** (``initdb`` into
a temporary directory, as the ``postgres`` user when run as root; ``pg_ctl start`` on a free port),
migrates it, creates a customer, a Vonage account and an agent with an API token (all fictional),
and starts ``aftersales web`` (gunicorn, 2 workers, ``DB_CONN_MAX_AGE=60``) and ``aftersales worker``
against it. Then:

- ``--senders`` threads post Vonage delivery receipts (a new message id each) to
  ``/hooks/vonage/dlr``; a receipt not answered 2xx is sent again (0.2 s, 0.4 s … at most 2 s
  apart) until it is — what Vonage does;
- one thread reads ``/api/v1/tickets`` with the token, five times a second;
- after ``--restart-after`` seconds: ``pg_ctl restart -m fast``; the load goes on until ``--seconds``.

Checks: no 500 and no traceback in any answer; 503 (with Retry-After) seen while the database was
down; every thread's last answers 2xx again; every receipt the sender saw acknowledged is stored,
and after the drain the rollups count each receipt sent exactly once.
The cluster is stopped and deleted at the end (``--keep`` keeps it and prints where).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import http.client
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench import procs

KEY = "faultpg00001"


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return str(found[-1])


class PrivateCluster:
    """A throw-away PostgreSQL cluster in a temporary directory, on its own port."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="aftersales-pg-"))
        self.data = self.root / "data"
        self.port = procs.free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # PostgreSQL refuses to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)

    def _run(self, *cmd: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *cmd] if self.as_root else list(cmd)
        subprocess.run(command, check=True, capture_output=True, timeout=180)  # noqa: S603 - fixed commands

    def init(self) -> None:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                  "-w", "-t", "60", action, *extra)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "fast")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: collections.Counter[str] = collections.Counter()
        self.tracebacks = 0
        self.retry_after_missing = 0
        self.acked: set[str] = set()
        self.sent: set[str] = set()
        self.last: dict[str, list[bool]] = collections.defaultdict(list)
        self.first_failure: float | None = None
        self.last_failure: float | None = None

    def record(self, who: str, status: str, body: bytes, retry_after: str | None) -> None:
        ok = status.startswith("2")
        with self.lock:
            self.statuses[f"{who} {status}"] += 1
            if b"Traceback" in body or b"File \"/" in body:
                self.tracebacks += 1
            if status == "503" and not retry_after:
                self.retry_after_missing += 1
            self.last[who].append(ok)
            if not ok:
                now = time.monotonic()
                self.first_failure = self.first_failure or now
                self.last_failure = now


def send(port: int, method: str, path: str, body: str, headers: dict[str, str]) -> tuple[str, bytes, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return str(response.status), response.read(), response.getheader("Retry-After")
    except (OSError, http.client.HTTPException) as exc:
        return f"connection error ({type(exc).__name__})", b"", None
    finally:
        connection.close()


def sender(port: int, slot: int, tally: Tally, stop_at: float) -> None:
    n = 0
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    while time.monotonic() < stop_at:
        n += 1
        message_id = f"FP{slot:02d}{n:08d}"
        body = urllib.parse.urlencode({
            "api-key": KEY, "messageId": message_id, "msisdn": f"23480310{n % 100_000:05d}", "network-code": "62130",
            "price": "0.03330000", "status": "delivered", "err-code": "0", "to": "Fault", "message-timestamp": stamp,
        })
        with tally.lock:
            tally.sent.add(message_id)
        pause = 0.2
        while True:  # like Vonage: until a 2xx
            status, answer, retry_after = send(port, "POST", "/hooks/vonage/dlr", body,
                                               {"Content-Type": "application/x-www-form-urlencoded"})
            tally.record(f"dlr-{slot}", status, answer, retry_after)
            if status.startswith("2"):
                with tally.lock:
                    tally.acked.add(message_id)
                break
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def reader(port: int, token: str, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        status, answer, retry_after = send(port, "GET", "/api/v1/tickets", "", {"Authorization": f"Bearer {token}"})
        tally.record("api", status, answer, retry_after)
        time.sleep(0.2)


def setup_desk(url: str) -> str:
    """Migrated already; create the fictional account and agent; the agent's raw API token."""
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="aftersales.settings")
    import django

    django.setup()
    from aftersales.people.tokens import issue_token
    from aftersales.sms.models import VendorAccount
    from aftersales.testing.factories import make_customer, make_user

    customer = make_customer("faultpg", "Fault Harbour Logistics (fictional)")
    VendorAccount.objects.create(customer=customer, name="Fault Harbour", kind="vonage", api_key=KEY)
    agent = make_user("fault.pg.agent", role="agent", display_name="Pei Gu (fictional)")
    _token, raw = issue_token(user=agent, name="fault script", actor=agent, days=1)
    return raw


def counted(message_ids: set[str]) -> dict[str, int]:
    from django.db import close_old_connections
    from django.db.models import Sum

    from aftersales.core import clock
    from aftersales.monitoring.actions_ingestion import DRAIN_AFTER, process_stored
    from aftersales.monitoring.models import RawEvent, TrafficRollup

    close_old_connections()
    left = RawEvent.objects.filter(api_key=KEY, state="stored").count()
    # What the fast path left stored (the database went away between storing and recording) is
    # recorded by the every-minute drain once DRAIN_AFTER has passed: run it as it will run then.
    process_stored(now=clock.now() + DRAIN_AFTER + dt.timedelta(seconds=1))
    stored: set[str] = set()
    for body in RawEvent.objects.filter(api_key=KEY).values_list("body", flat=True).iterator():
        stored.update(urllib.parse.parse_qs(body).get("messageId", []))
    totals = TrafficRollup.objects.aggregate(delivered=Sum("delivered"), failed=Sum("failed"))
    return {
        "stored_distinct": len(stored),
        "acked_not_stored": len(message_ids - stored),
        "raw_events": RawEvent.objects.filter(api_key=KEY).count(),
        "left_for_the_drain": left,
        "rollup_count": (totals["delivered"] or 0) + (totals["failed"] or 0),
    }


def run(*, seconds: float, restart_after: float, senders: int, keep: bool) -> dict[str, bool]:
    cluster = PrivateCluster()
    processes: list[Any] = []
    try:
        cluster.init()
        cluster.start()
        url = procs.recreate_database(cluster.url, "aftersales")
        env = procs.environment(url, DB_CONN_MAX_AGE="60", MONITORING_PROCESS_INLINE="true")
        print(f"private cluster on port {cluster.port} in {cluster.root}; migrating …", flush=True)
        procs.run_aftersales(["migrate", "--no-input", "-v0"], env)
        token = setup_desk(url)
        from django.db import connections

        connections.close_all()
        port = procs.free_port()
        log = open(cluster.root / "web.log", "wb")  # noqa: SIM115 - closed with the processes
        web = procs.aftersales(["web", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env, stdout=log, stderr=log)
        processes.append(web)
        processes.append(procs.worker(env, worker_id="fault-pg-worker", stdout=log, stderr=log))
        procs.wait_for_port(port, web)
        tally = Tally()
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=sender, args=(port, i, tally, stop_at)) for i in range(senders)]
        threads.append(threading.Thread(target=reader, args=(port, token, tally, stop_at)))
        for thread in threads:
            thread.start()
        time.sleep(restart_after)
        print("restarting PostgreSQL (pg_ctl restart -m fast) …", flush=True)
        restart_started = time.monotonic()
        cluster.restart()
        print(f"… back after {time.monotonic() - restart_started:.1f} s", flush=True)
        for thread in threads:
            thread.join(timeout=seconds + 120)
        outage = (tally.last_failure - tally.first_failure) if tally.first_failure and tally.last_failure else 0.0
        numbers = counted(tally.acked)
        statuses = dict(sorted(tally.statuses.items()))
        print(f"answers: {statuses}")
        print(f"receipts sent {len(tally.sent)}, acknowledged {len(tally.acked)}, {numbers}; "
              f"failures spanned {outage:.1f} s")
        five_hundreds = sum(count for key, count in tally.statuses.items() if key.endswith(" 500"))
        unavailable = sum(count for key, count in tally.statuses.items() if key.endswith(" 503"))
        recovered = all(all(oks[-5:]) and len(oks) >= 5 for oks in tally.last.values())
        return {
            "no 500 answer": five_hundreds == 0,
            "no traceback in any answer": tally.tracebacks == 0,
            f"503 while the database was down ({unavailable}), each with Retry-After":
                unavailable > 0 and tally.retry_after_missing == 0,
            "every client's last 5 answers are 2xx again (recovered by itself)": recovered,
            "every receipt sent was acknowledged in the end": tally.acked == tally.sent,
            "every acknowledged receipt is stored": numbers["acked_not_stored"] == 0,
            "the rollups count each receipt exactly once": numbers["rollup_count"] == len(tally.sent),
        }
    finally:
        procs.stop(processes)
        from django.db import connections

        connections.close_all()
        cluster.stop()
        if keep:
            print(f"kept: {cluster.root}")
        else:
            shutil.rmtree(cluster.root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--restart-after", type=float, default=12)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    print("fault_pg_restart: restart PostgreSQL under load")
    return 0 if procs.verdict(run(seconds=args.seconds, restart_after=args.restart_after, senders=args.senders,
                                  keep=args.keep)) else 1


if __name__ == "__main__":
    sys.exit(main())
