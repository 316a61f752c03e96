"""Fault: ``kill -9`` a task worker in the middle of a delivery; the sweeper recovers it and the
email reaches its recipient exactly once.

    .venv/bin/python -m bench.fault_kill_worker [--pg postgres://postgres@127.0.0.1:5432/postgres] \\
        [--database aftersales_fault_kill] [--keep]

On its own, freshly migrated PostgreSQL database, with a local SMTP server (aiosmtpd, loopback):

1. an agent is notified; the notification's email delivery is queued (``notify_delivery``) and its
   wake-up task enqueued, as in production;
2. worker 1 (``aftersales worker``) claims the task and the delivery (lease: 'sending',
   ``claimed_at``, ``attempts`` = 1) and opens the SMTP transaction; the SMTP server holds it at
   ``RCPT TO`` — and the script kills the worker's process group with SIGKILL there;
3. the dead worker left the delivery 'sending' and its task RUNNING; nothing was received. The
   script moves the lease's ``claimed_at`` and the task's ``started_at`` back past the lease (10 min)
   and ``TASK_STUCK_MINUTES`` (60) instead of waiting an hour — the only thing it fakes;
4. ``aftersales scheduler --once`` enqueues the periodic jobs, among them ``core.sweep_leases``;
   worker 2 (``--batch``) runs them: the sweeper puts the delivery back to pending, wakes the sender
   and marks the dead task FAILED (worker lost); the email is sent;
5. checks: one message received, with the delivery's Message-ID; the delivery 'sent' after 2
   attempts; the dead task FAILED with ``WorkerLost``; nothing left RUNNING or READY.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import os
import signal
import sys
import threading
import time
from typing import Any

from bench import procs


class HoldingSMTP:
    """An SMTP handler that holds the first transaction at RCPT TO until released; records what it accepts."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self.release = threading.Event()
        self.transactions = 0
        self.received: list[str] = []  # Message-IDs of accepted messages

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.transactions += 1
        if self.transactions == 1:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
            return "451 4.3.0 the client went away"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.received.append(str(message.get("Message-ID", "")))
        return "250 2.0.0 accepted"


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def run(server_url: str, database: str, *, keep: bool = False) -> dict[str, bool]:
    from aiosmtpd.controller import Controller

    url = procs.recreate_database(server_url, database)
    handler = HoldingSMTP()
    smtp_port = procs.free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workers: list[Any] = []
    try:
        env = procs.environment(url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_port), DB_CONN_MAX_AGE="60")
        print("migrating a fresh database …", flush=True)
        procs.run_aftersales(["migrate", "--no-input", "-v0"], env)
        os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="aftersales.settings")
        import django

        django.setup()
        from django.db import close_old_connections
        from django_tasks_db.models import DBTaskResult

        from aftersales.core import leases
        from aftersales.notify.api import notify
        from aftersales.notify.models import Delivery, DeliveryState
        from aftersales.testing.factories import make_user

        agent = make_user("fault.kill.agent", role="agent", display_name="Fang Ke (fictional)")
        notify([agent], kind="test", title="Route to Vietnam restored", body="Delivery receipts are back.")
        row = Delivery.objects.get(transport="email")
        print(f"delivery {row.pk} queued; starting worker 1", flush=True)

        first = procs.worker(env, worker_id="fault-worker-1")
        workers.append(first)
        if not handler.holding.wait(120):
            raise TimeoutError("worker 1 never reached the SMTP server")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        handler.release.set()
        close_old_connections()
        row.refresh_from_db()
        dead = DBTaskResult.objects.get(task_path="aftersales.notify.tasks.deliver_now")
        after_kill = (row.state, row.attempts, dead.status, list(handler.received))
        print(f"worker 1 killed (exit {first.returncode}): delivery {row.state} attempt {row.attempts}, "
              f"task {dead.status}, received {len(handler.received)}", flush=True)

        # Time passing, without waiting an hour: the lease and the task's start move into the past.
        Delivery.objects.filter(pk=row.pk).update(claimed_at=row.claimed_at - dt_minutes(11))
        DBTaskResult.objects.filter(pk=dead.pk).update(started_at=dead.started_at - dt_minutes(61))

        print("scheduler --once, then worker 2 (--batch)", flush=True)
        procs.run_aftersales(["scheduler", "--once"], env)
        second = procs.worker(env, worker_id="fault-worker-2", batch=True)
        workers.append(second)
        second.wait(timeout=300)
        row.refresh_from_db()
        dead.refresh_from_db()
        left = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
        sweeps = DBTaskResult.objects.filter(task_path="aftersales.core.scheduler.sweep_leases", status="SUCCESSFUL")
        from aftersales.notify.transports import message_id

        expected_id = message_id(row.idempotency_key)
        print(f"after recovery: delivery {row.state} after {row.attempts} attempts; received {handler.received}; "
              f"SMTP transactions {handler.transactions}", flush=True)
        return {
            "the kill happened mid-send (delivery 'sending', task RUNNING, nothing received)":
                after_kill == (DeliveryState.SENDING, 1, "RUNNING", []),
            "the sweeper ran (core.sweep_leases SUCCESSFUL)": sweeps.exists(),
            "the dead task is marked FAILED (worker lost)":
                (dead.status, dead.exception_class_path) == ("FAILED", leases.WORKER_LOST),
            "the delivery is 'sent' after 2 attempts": (row.state, row.attempts) == (DeliveryState.SENT, 2),
            "the email was received exactly once, with the delivery's Message-ID":
                handler.received == [expected_id],
            "nothing is left READY or RUNNING": left == 0,
            "worker 2 exited cleanly": second.returncode == 0,
        }
    finally:
        procs.stop(workers)
        handler.release.set()
        controller.stop()
        if not keep:
            from django.db import connections

            connections.close_all()
            procs.drop_database(server_url, database)


def dt_minutes(minutes: int) -> Any:
    import datetime as dt

    return dt.timedelta(minutes=minutes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=procs.DEFAULT_PG, help="a URL of the PostgreSQL server (any database)")
    parser.add_argument("--database", default="aftersales_fault_kill")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    print("fault_kill_worker: kill -9 a worker mid-delivery")
    return 0 if procs.verdict(run(args.pg, args.database, keep=args.keep)) else 1


if __name__ == "__main__":
    sys.exit(main())
