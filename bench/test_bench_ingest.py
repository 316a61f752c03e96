"""The bulk-ingest benchmark still runs on a tiny CSV, and its rollups add up to the file exactly."""

from __future__ import annotations

import pytest

from bench.bench_ingest import run

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_bench_ingest_counts_every_row_exactly() -> None:
    result = run(600, accounts=3, batch_rows=250)
    assert result["rows"] == 600 and result["wrong_totals"] == {}
    assert result["bad_rows"] == result["bad_rows_expected"] == 6
    assert result["unmapped_events"] == 12  # six rows of an unknown key, two events each
    assert result["events_recorded"] == 2 * (600 - 6 - 6)
    assert result["peak_rss_mb"] > 0
