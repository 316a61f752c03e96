"""Shared by the multi-process benches and fault scripts: scratch PostgreSQL databases, the
``aftersales`` processes (web, worker, scheduler) started against them, and a PASS/FAIL verdict.

Every process runs this checkout's code (``PYTHONPATH`` = the repository root) with the
environment given; nothing here touches a database other than the one it created.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
# What ``bench.worker_task.record_run`` writes: one row per task number, ``runs`` counts its runs.
RUNS_TABLE = "bench_task_runs"
CREATE_RUNS_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (n bigint PRIMARY KEY, runs integer NOT NULL, "
    "pid integer NOT NULL, ran_at timestamp with time zone NOT NULL DEFAULT now())"
)
DEFAULT_PG = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``server_url``; its URL."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        DJANGO_SETTINGS_MODULE="aftersales.settings",
        LOG_LEVEL=env.get("LOG_LEVEL", "WARNING"),
    )
    env.update(extra)
    return env


def aftersales(args: Sequence[str], env: dict[str, str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``aftersales <args>`` (``python -m aftersales``) in its own process group."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "aftersales", *args], cwd=ROOT, env=env, start_new_session=True, **popen
    )


def run_aftersales(args: Sequence[str], env: dict[str, str], timeout: float = 900) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "aftersales", *args], cwd=ROOT, env=env, capture_output=True, timeout=timeout
    )
    if done.returncode:
        raise RuntimeError(f"aftersales {' '.join(args)} failed:\n{done.stderr.decode(errors='replace')[-4000:]}")


def worker(env: dict[str, str], *, worker_id: str, batch: bool = False, interval: float = 0.2,
           **popen: Any) -> subprocess.Popen[bytes]:
    args = ["worker", "--no-reload", "--no-startup-delay", "--interval", str(interval), "--worker-id", worker_id]
    return aftersales([*args, "--batch"] if batch else args, env, **popen)


def stop(processes: Sequence[subprocess.Popen[bytes]], *, grace: float = 20) -> None:
    """SIGTERM each process group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    for proc in processes:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listened on port {port} within {seconds} s")


def verdict(checks: dict[str, bool]) -> bool:
    """Print one line per check and an overall PASS/FAIL; True if all passed."""
    width = max(len(name) for name in checks)
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<{width}}")
    passed = all(checks.values())
    print("PASS" if passed else "FAIL")
    return passed
