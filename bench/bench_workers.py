"""Several task workers on PostgreSQL drain one queue: every task runs once — none twice, none lost.

    .venv/bin/python -m bench.bench_workers [--tasks 100000] [--workers 4] \\
        [--pg postgres://postgres@127.0.0.1:5432/postgres] [--database aftersales_bench_workers] [--keep]

Creates (drops first) its own database on the server of ``--pg``, migrates the task queue's table
only, creates ``bench_task_runs`` (``bench.worker_task``), enqueues ``--tasks`` runs of
``bench.worker_task.record_run(n)`` with one ``INSERT … SELECT generate_series`` (the rows
django-tasks-db's ``enqueue`` would write, without a hundred thousand round trips), starts
``--workers`` × ``aftersales worker --batch`` (they exit once the queue is empty; ``DB_CONN_MAX_AGE=60``
as workers should run, else each task opens a new connection), and reports
the drain time, tasks/s, duplicates (``runs > 1``), lost (no row) and failed task results. The
database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import psycopg

from bench import procs
from bench.procs import CREATE_RUNS_TABLE as CREATE
from bench.procs import RUNS_TABLE as TABLE

TASK_PATH = "bench.worker_task.record_run"
QUEUE_TABLE = "django_tasks_database_dbtaskresult"


def enqueue(url: str, count: int, *, start: int = 1) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE)
        conn.execute(
            f"INSERT INTO {QUEUE_TABLE} (id, status, enqueued_at, args_kwargs, priority, task_path, worker_ids, "  # noqa: S608
            "queue_name, backend_name, run_after, return_value, exception_class_path, traceback) "
            "SELECT gen_random_uuid(), 'READY', now(), jsonb_build_object('args', jsonb_build_array(), "
            "'kwargs', jsonb_build_object('n', g)), 0, %s, '[]'::jsonb, 'default', 'default', "
            "'9999-01-01 00:00:00+00', NULL, '', '' FROM generate_series(%s::bigint, %s::bigint) AS g",
            [TASK_PATH, start, start + count - 1],
        )
        # Without fresh statistics the claim query (ORDER BY priority, run_after … LIMIT 1 FOR UPDATE
        # SKIP LOCKED) sorts the whole backlog — 300 ms a task at 100,000 — until autovacuum analyzes.
        conn.execute(f"ANALYZE {QUEUE_TABLE}")


def counts(url: str, expected: int) -> dict[str, int]:
    by_status = f"SELECT status, count(*) FROM {QUEUE_TABLE} GROUP BY status"  # noqa: S608 - fixed names
    runs = f"SELECT count(*), coalesce(sum(runs - 1), 0), count(DISTINCT pid) FROM {TABLE}"  # noqa: S608
    with psycopg.connect(url, autocommit=True) as conn:
        status: dict[str, int] = dict(conn.execute(by_status).fetchall())
        ran, duplicates, pids = conn.execute(runs).fetchone() or (0, 0, 0)
    return {
        "ready": int(status.get("READY", 0)),
        "running": int(status.get("RUNNING", 0)),
        "successful": int(status.get("SUCCESSFUL", 0)),
        "failed": int(status.get("FAILED", 0)),
        "ran": int(ran),
        "duplicates": int(duplicates),
        "lost": expected - int(ran),
        "worker_processes_seen": int(pids),
    }


def drain(server_url: str, database: str, *, tasks: int, workers: int, timeout: float = 3600,
          keep: bool = False, progress: bool = True, conn_max_age: int = 60) -> dict[str, Any]:
    url = procs.recreate_database(server_url, database)
    try:
        env = procs.environment(url, DB_CONN_MAX_AGE=str(conn_max_age))
        procs.run_aftersales(["migrate", "django_tasks_database", "--no-input", "-v0"], env)
        started = time.perf_counter()
        enqueue(url, tasks)
        enqueue_seconds = time.perf_counter() - started
        started = time.perf_counter()
        running = [procs.worker(env, worker_id=f"bench-{i}", batch=True) for i in range(workers)]
        deadline = time.monotonic() + timeout
        last = 0.0
        try:
            while any(proc.poll() is None for proc in running) and time.monotonic() < deadline:
                time.sleep(0.5)
                if progress and time.monotonic() - last > 10:
                    last = time.monotonic()
                    now = counts(url, tasks)
                    print(f"  … {now['ran']:,} run, {now['ready']:,} waiting "
                          f"({now['ran'] / (time.perf_counter() - started):,.0f}/s)", flush=True)
        finally:
            procs.stop(running)
        seconds = time.perf_counter() - started
        result: dict[str, Any] = dict(counts(url, tasks))
        result.update(
            tasks=tasks,
            workers=workers,
            exit_codes=[proc.returncode for proc in running],
            enqueue_seconds=round(enqueue_seconds, 2),
            drain_seconds=round(seconds, 2),
            tasks_per_second=round(result["ran"] / seconds, 1) if seconds else 0,
        )
        return result
    finally:
        if not keep:
            procs.drop_database(server_url, database)


def checks(result: dict[str, Any]) -> dict[str, bool]:
    return {
        f"every task ran ({result['ran']:,} of {result['tasks']:,})": result["lost"] == 0,
        f"no task ran twice (duplicates: {result['duplicates']})": result["duplicates"] == 0,
        f"no task failed or stuck (failed {result['failed']}, ready {result['ready']}, running {result['running']})":
            result["failed"] == result["ready"] == result["running"] == 0,
        f"all {result['workers']} workers took tasks and exited cleanly ({result['worker_processes_seen']} seen)":
            result["worker_processes_seen"] == result["workers"] and set(result["exit_codes"]) == {0},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pg", default=procs.DEFAULT_PG, help="a URL of the PostgreSQL server (any database)")
    parser.add_argument("--database", default="aftersales_bench_workers")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="DB_CONN_MAX_AGE of the workers (0: a new connection for every task)")
    args = parser.parse_args(argv)
    print(f"bench_workers: {args.tasks:,} tasks, {args.workers} workers, database {args.database}")
    result = drain(args.pg, args.database, tasks=args.tasks, workers=args.workers, timeout=args.timeout,
                   keep=args.keep, conn_max_age=args.conn_max_age)
    print(json.dumps(result, indent=2))
    print(f"drained {result['ran']:,} tasks in {result['drain_seconds']} s = {result['tasks_per_second']} tasks/s")
    return 0 if procs.verdict(checks(result)) else 1


if __name__ == "__main__":
    sys.exit(main())
