"""``bench.overlap`` tells a process that works from one that waits (real processes, real ``/proc``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bench import overlap

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")


def test_a_busy_process_counts_as_running_and_a_sleeping_one_does_not() -> None:
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    asleep = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.3)  # both started
        counts = overlap.sample(busy.pid, asleep.pid, until=time.monotonic() + 1.0)
    finally:
        busy.kill()
        asleep.kill()
        busy.wait()
        asleep.wait()
    found = overlap.shares(counts)
    assert sum(counts.values()) > 100
    assert found["writer_alone"] > 0.6  # busy is the "writer", asleep the "database"
    assert found["database_alone"] < 0.05 and found["both"] < 0.05
    assert found["reader"] == 0  # neither has a child


def test_the_shares_add_up_and_name_each_combination() -> None:
    found = overlap.shares(Counter({"W-D": 2, "WRD": 1, "W--": 3, "--D": 3, "-R-": 1}))
    assert found == {"writer_alone": 0.3, "database_alone": 0.3, "both": 0.3, "neither": 0.1, "reader": 0.2}


def test_a_process_that_is_gone_is_not_running() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not overlap.running(gone.pid)
    assert not overlap.running(None)
