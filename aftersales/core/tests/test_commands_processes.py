"""The process commands for real: `aftersales web`, `serve` and `scheduler` as subprocesses.

Each test runs against its own copy of a SQLite database migrated once per module, whatever
database the rest of the suite uses, and cleans up every process it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

REPO = Path(__file__).resolve().parents[3]
# Typically 3-8 s. CI ran the PostgreSQL suite on two busy cores and a serve (three interpreters
# starting at once) once needed more than 30 s; a timeout only decides how long a real failure takes.
STARTUP_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SQLITE_TEST"))}
    env.update(
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        AFTERSALES_VAR_DIR=str(var_dir),
        DEBUG="false",
        LOG_FORMAT="text",
        LOG_LEVEL="INFO",
        WEB_CONCURRENCY="1",
    )
    return env


def aftersales(*args: str) -> list[str]:
    return [sys.executable, "-m", "aftersales", *args]


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var_dir = tmp_path_factory.mktemp("template")
    subprocess.run(  # noqa: S603
        aftersales("migrate", "--no-input", "-v0"), env=child_env(var_dir), cwd=REPO, check=True, timeout=300
    )
    return var_dir


@pytest.fixture
def var_dir(migrated_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "var"
    shutil.copytree(migrated_template, target)
    return target


class Processes:
    """Starts processes in their own session and makes sure none outlives the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.tmp_path / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append(proc)
        return proc, log

    def cleanup(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.cleanup()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def wait_for(condition: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    output = log.read_text(errors="replace") if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{output}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; it only waits for its parent to reap it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def children_of(pid: int) -> dict[str, int]:
    """The direct children of ``pid`` by aftersales subcommand (Linux /proc)."""
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"aftersales" in argv:
            found[argv[argv.index(b"aftersales") + 1].decode()] = int(entry.name)
    return found


def heartbeat_rows(var_dir: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(var_dir / "db.sqlite3", timeout=10) as db:
        return db.execute(
            "SELECT slot_start, claimed_by, ran_at FROM core_scheduledrun WHERE job = 'core.heartbeat'"
        ).fetchall()


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def test_web_serves_pages_and_static_files_and_stops_on_sigterm(var_dir: Path, processes: Processes) -> None:
    port = free_port()
    web, log = processes.start(aftersales("web", "--bind", f"127.0.0.1:{port}"), child_env(var_dir), "web")
    wait_for(lambda: listening(port), STARTUP_TIMEOUT, "gunicorn to listen", log)

    status, headers, _ = fetch(f"http://127.0.0.1:{port}/")
    assert status == 302, log.read_text()
    assert "login/?next=/" in headers["Location"]

    # DEBUG is off and collectstatic never ran: WhiteNoise serves from the finders.
    status, headers, body = fetch(f"http://127.0.0.1:{port}/static/django_htmx/htmx-2.min.js")
    assert status == 200
    assert "javascript" in headers["Content-Type"]
    assert b"htmx" in body

    web.send_signal(signal.SIGTERM)
    assert web.wait(timeout=15) == 0
    assert not group_alive(web.pid), "a gunicorn worker outlived its master"
    assert "Shutting down: Master" in log.read_text()


@needs_proc
def test_serve_runs_web_worker_and_scheduler_and_stops_them_all(var_dir: Path, processes: Processes) -> None:
    port = free_port()
    serve, log = processes.start(aftersales("serve", "--bind", f"127.0.0.1:{port}"), child_env(var_dir), "serve")
    wait_for(lambda: "aftersales is running at" in log.read_text(), STARTUP_TIMEOUT, "serve to announce", log)
    assert f"http://127.0.0.1:{port}/" in log.read_text()

    children = children_of(serve.pid)
    assert set(children) == {"web", "worker", "scheduler"}
    # One process group for the three, not the caller's.
    groups = {os.getpgid(pid) for pid in children.values()}
    assert groups == {children["web"]}

    assert fetch(f"http://127.0.0.1:{port}/")[0] == 302
    # The scheduler enqueued the heartbeat and the worker ran it.
    wait_for(lambda: any(row[2] for row in heartbeat_rows(var_dir)), STARTUP_TIMEOUT, "the heartbeat to run", log)

    started = time.monotonic()
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=15) == 0, log.read_text()
    assert time.monotonic() - started < 10
    assert not any(alive(pid) for pid in children.values())
    assert not group_alive(children["web"]), "a process outlived serve"
    assert "aftersales stopped." in log.read_text()


@needs_proc
def test_serve_stops_everything_when_a_child_dies(var_dir: Path, processes: Processes) -> None:
    port = free_port()
    serve, log = processes.start(aftersales("serve", "--bind", f"127.0.0.1:{port}"), child_env(var_dir), "serve")
    wait_for(lambda: "aftersales is running at" in log.read_text(), STARTUP_TIMEOUT, "serve to announce", log)
    children = children_of(serve.pid)

    os.kill(children["worker"], signal.SIGKILL)

    assert serve.wait(timeout=60) == 1  # the others get serve's --grace (25 s) to stop
    output = log.read_text()
    assert "The worker process exited unexpectedly" in output
    assert not any(alive(pid) for pid in children.values())
    assert not group_alive(children["web"])


def test_serve_refuses_to_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603
        aftersales("serve", "--bind", f"127.0.0.1:{free_port()}"),
        env=child_env(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )
    assert result.returncode == 1
    assert "Run `aftersales migrate` first" in result.stderr


def test_parallel_schedulers_enqueue_each_slot_once(var_dir: Path, processes: Processes) -> None:
    env = child_env(var_dir)
    runs = [processes.start(aftersales("scheduler", "--once"), env, f"scheduler{i}") for i in range(3)]
    for proc, log in runs:
        assert proc.wait(timeout=STARTUP_TIMEOUT) == 0, log.read_text()

    rows = heartbeat_rows(var_dir)
    slots = [row[0] for row in rows]
    assert rows and len(slots) == len(set(slots))  # one claim per slot (two if a minute turned meanwhile)
    announced = sum(log.read_text().count("enqueued core.heartbeat") for _, log in runs)
    assert announced == len(rows)
    with sqlite3.connect(var_dir / "db.sqlite3") as db:
        queued = db.execute(
            f"SELECT count(*) FROM {DBTaskResult._meta.db_table} WHERE task_path = ?",  # noqa: S608
            ["aftersales.core.scheduler.heartbeat"],
        ).fetchone()[0]
    assert queued == len(rows)
