"""Which of the importer's processes run side by side: sampled from ``/proc`` (Linux).

    python -m bench.overlap WRITER_PID DATABASE_PID

Every two milliseconds, until SIGTERM or SIGINT, reads whether the writer, its read-ahead child (the
first child of the writer found running the same program) and the writer's database backend are
running (state R: on a CPU or waiting for one), then prints one JSON object: the number of samples
for each combination, keyed ``"WRD"`` with ``-`` for a process that was not running (``"W-D"``:
the writer and the database, not the reader).

``bench_import --overlap`` starts it beside an import and reports the shares: how long the writer
and the database each worked while the other waited, and how long they worked side by side (the
overlap a two-core machine allows).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

INTERVAL = 0.002  # seconds between samples (the sampler itself costs ~5 % of a CPU)


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the program's name (state first, then the parent's
    pid …; ``man 5 proc`` numbers them from 3); None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def running(pid: int | None) -> bool:
    """Whether ``pid`` is running or runnable now (False when there is no such process)."""
    fields = stat_fields(pid) if pid is not None else None
    return fields is not None and fields[0] == "R"


def child_of(parent: int) -> int | None:
    """A child process of ``parent`` running the same program (the read-ahead reader), if any."""
    try:
        program = Path(f"/proc/{parent}/cmdline").read_bytes()
    except OSError:
        return None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(int(entry))
        if fields is None or fields[1] != str(parent):
            continue
        try:
            if Path(f"/proc/{entry}/cmdline").read_bytes() == program:
                return int(entry)
        except OSError:  # (it ended meanwhile)
            continue
    return None


def sample(writer: int, database: int, *, until: float | None = None) -> Counter[str]:
    """Samples until SIGTERM/SIGINT (or ``until``, a ``time.monotonic()`` deadline)."""
    counts: Counter[str] = Counter()
    stop = False

    def stopping(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    reader: int | None = None
    looked = 0.0
    while not stop and (until is None or time.monotonic() < until):
        now = time.monotonic()
        if (reader is None or not Path(f"/proc/{reader}").exists()) and now - looked > 0.2:
            reader, looked = child_of(writer), now
        states = (running(writer), running(reader), running(database))
        counts["".join(letter if state else "-" for letter, state in zip("WRD", states, strict=True))] += 1
        time.sleep(INTERVAL)
    return counts


def shares(counts: Counter[str]) -> dict[str, float]:
    """The share of samples (0–1) in which only the writer or only the database of the two ran,
    both ran, or neither did; and in which the reader ran."""
    total = sum(counts.values()) or 1

    def share(writer: bool, database: bool) -> float:
        return sum(n for key, n in counts.items() if (key[0] == "W") == writer and (key[2] == "D") == database) / total

    return {
        "writer_alone": share(True, False),
        "database_alone": share(False, True),
        "both": share(True, True),
        "neither": share(False, False),
        "reader": sum(n for key, n in counts.items() if key[1] == "R") / total,
    }


def main() -> None:
    writer, database = int(sys.argv[1]), int(sys.argv[2])
    print(json.dumps(sample(writer, database)), flush=True)


if __name__ == "__main__":
    main()
