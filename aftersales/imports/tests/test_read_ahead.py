"""The command reads and interprets in a child process (``core.ahead``) while it writes: the rows
are the same, the database connection is untouched, and a file that fails stops the run with the
reader's own error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from aftersales.core.ahead import ahead
from aftersales.imports import load as loading
from aftersales.imports.models import ImportedRow, ImportRun
from aftersales.imports.read import UnreadableFile

SAMPLES = Path(__file__).parent / "samples"
FILES = [(str(SAMPLES / name), name) for name in ("ops-log-2025.csv", "customer-notes.md")]


@pytest.mark.django_db
def test_interpreted_rows_cross_over_whole_and_the_connection_survives() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    here = list(loading.interpreted(FILES))
    there = list(ahead(lambda: loading.interpreted(FILES), chunk=5))
    assert len(there) == len(here) > 20 and there == here
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


@pytest.mark.django_db
def test_a_file_that_fails_stops_the_run_with_its_reason_and_the_counts_agree(personas: Any, tmp_path: Path) -> None:
    first = tmp_path / "ops-2025.csv"
    lines = ["日期,客户,问题描述,状态"] + [
        f"2025/4/{1 + n % 28},Bluewave Games,送达率下降 {n},已解决" for n in range(300)
    ]
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = [{"name": first.name, "path": str(first), "size": 0},
             {"name": "gone.csv", "path": str(tmp_path / "gone.csv"), "size": 0}]  # fmt: skip
    run = loading.start_run(actor=None, files=files)
    with pytest.raises(UnreadableFile, match=r"gone\.csv"):
        loading.run_files(run=run, batch_size=50, read_ahead=True)
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and "gone.csv" in run.error
    # (the reader looks ahead up to 5,000 rows a file for its day/month rule, so here the second
    # file fails before the first one's rows are written; whatever was written is counted)
    assert ImportedRow.objects.filter(run=run).count() == run.counts["rows"]
