"""``aftersales serve``: web + worker + scheduler as one unit (the embedded default of ``make run``).

The three are child processes (``aftersales web``, ``aftersales worker``, ``aftersales
scheduler``) in one process group of their own. SIGINT, SIGTERM and SIGHUP are forwarded as
SIGTERM to each child (each stops gracefully) and ``serve`` exits once they have; whatever
is still alive after ``--grace`` seconds, or after a second Ctrl+C, is killed. If a child
dies on its own, the others are stopped and ``serve`` exits non-zero naming the culprit.
On Linux the children also get SIGTERM if ``serve`` itself is killed (no orphans).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from aftersales.core.env import env_int

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Linux: have the kernel send SIGTERM to this child when ``serve`` dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def pending_migrations(alias: str = "default") -> list[str]:
    """Names of migrations not applied to the database ``alias``."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def url_for_bind(bind: str) -> str:
    """The address a person opens in the browser for a gunicorn ``--bind`` value."""
    if bind.startswith(("unix:", "fd://")):
        return bind
    host, _, port = bind.rpartition(":")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}.get(host, host)  # noqa: S104
    return f"http://{host}:{port}/"


def is_listening(bind: str) -> bool:
    """True once something accepts TCP connections at ``bind`` (always true for unix sockets)."""
    if bind.startswith(("unix:", "fd://")):
        return True
    url = url_for_bind(bind)
    host, _, port = url.removeprefix("http://").rstrip("/").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=0.2):
            return True
    except (OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Run web, background worker and scheduler together (the embedded all-in-one server)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on (default: %(default)s).")
        parser.add_argument(
            "--workers", type=int, default=None, help="Web worker processes (default: $WEB_CONCURRENCY, else 2)."
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=25.0,
            help="Seconds the processes get to stop before they are killed (default: %(default)s).",
        )

    def handle(self, *args: Any, bind: str, workers: int | None, grace: float, **options: Any) -> None:
        try:
            pending = pending_migrations()
        except DatabaseError as exc:
            raise CommandError(f"Cannot use the database ({exc}). Check DATABASE_URL.") from exc
        if pending:
            raise CommandError(
                f"The database is missing {len(pending)} migration(s) (e.g. {pending[0]}). "
                "Run `aftersales migrate` first, then start again."
            )
        connections.close_all()

        workers = workers if workers is not None else env_int("WEB_CONCURRENCY", 2)
        commands = {
            "web": ["web", "--bind", bind, "--workers", str(workers)],
            # System checks ran once here, before the children start.
            "worker": ["worker", "--no-reload", "--no-startup-delay", "--skip-checks"],
            "scheduler": ["scheduler", "--skip-checks"],
        }
        self.stop_requested: int | None = None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            self.stdout.write("Starting aftersales: web, worker and scheduler …")
            self.stdout.flush()
            self._start(commands)
            failed = self._watch(bind)
        finally:
            self._stop(grace)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed is not None:
            name, code = failed
            raise CommandError(
                f"The {name} process exited unexpectedly (exit code {code}); the others were stopped. "
                "See its output above.",
                returncode=1,
            )
        self.stdout.write("aftersales stopped.")

    # --- children -------------------------------------------------------------

    def _start(self, commands: dict[str, list[str]]) -> None:
        group = 0  # the first child leads a new process group; the others join it
        for name, argv in commands.items():
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "aftersales", *argv],
                process_group=group,
                preexec_fn=_die_with_parent,
            )
            self.children[name] = proc
            if group == 0:
                group = proc.pid
        self.group = group

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_requested is None:
            self.stop_requested = signum
            return
        # A second Ctrl+C: stop waiting.
        self._kill_group(signal.SIGKILL)

    def _watch(self, bind: str) -> tuple[str, int] | None:
        announced = False
        while self.stop_requested is None:
            if not announced and is_listening(bind):
                announced = True
                self.stdout.write(f"aftersales is running at {url_for_bind(bind)} — press Ctrl+C to stop.")
                self.stdout.flush()
            for name, proc in self.children.items():
                code = proc.poll()
                if code is not None:
                    self.stderr.write(f"aftersales serve: the {name} process exited (code {code}); stopping the rest.")
                    return name, code
            time.sleep(0.2)
        return None

    def _stop(self, grace: float) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"aftersales serve: pid {proc.pid} did not stop within {grace:g}s; killing it.")
        # Anything left in the group (a stuck child, a gunicorn worker) goes now.
        self._kill_group(signal.SIGKILL)
        for proc in self.children.values():
            proc.wait()

    def _kill_group(self, sig: int) -> None:
        group = getattr(self, "group", 0)
        if group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, sig)
