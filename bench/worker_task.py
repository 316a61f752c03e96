"""The test task of ``bench_workers`` (and of the kill -9 fault script): it records its run in
``bench_task_runs`` (``n`` is the primary key), counting a second run of the same ``n`` instead of
failing, so a task run twice shows as ``runs = 2`` and a task never run as a missing row.
Never registered as a job; it only runs when a bench enqueues it."""

from __future__ import annotations

import os
import time

from django.db import connection
from django_tasks import task

from bench.procs import RUNS_TABLE as TABLE


@task()
def record_run(n: int, sleep: float = 0.0) -> int:
    if sleep:
        time.sleep(sleep)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (n, runs, pid) VALUES (%s, 1, %s) "  # noqa: S608 - a fixed name, values are parameters
            f"ON CONFLICT (n) DO UPDATE SET runs = {TABLE}.runs + 1",
            [n, os.getpid()],
        )
    return n
