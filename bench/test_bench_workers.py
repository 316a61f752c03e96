"""Four `aftersales worker` processes on PostgreSQL drain 2,000 tasks: none run twice, none lost
(the fast version of ``bench/bench_workers.py``; PostgreSQL suite only, see conftest.py)."""

from __future__ import annotations

import os

import pytest

from bench import bench_workers

pytestmark = pytest.mark.postgres


def test_four_workers_drain_the_queue_with_no_task_run_twice_or_lost() -> None:
    server = os.environ["DATABASE_URL"]
    name = f"test_workers_drain_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    result = bench_workers.drain(server, name, tasks=2000, workers=4, timeout=600, progress=False)
    assert (result["ran"], result["lost"], result["duplicates"]) == (2000, 0, 0)
    assert (result["successful"], result["failed"], result["ready"], result["running"]) == (2000, 0, 0, 0)
    assert result["worker_processes_seen"] == 4  # the work was really shared
    assert result["exit_codes"] == [0, 0, 0, 0]
    assert all(bench_workers.checks(result).values())
