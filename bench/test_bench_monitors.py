"""The monitor-pass benchmark still runs on tiny data: the attacked accounts fire, nothing else does."""

from __future__ import annotations

import pytest

from bench.bench_monitors import run

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_bench_monitors_fires_on_the_attacked_accounts_only() -> None:
    result = run(12, countries=5, history_rows=6, anomalies=2)
    assert result["rollups"] > 12 * 5 * 13
    assert result["first"]["incidents"] == 2
    assert result["second"]["incidents_opened"] == 0
    assert result["second"]["alerts_updated"] == result["first"]["alerts"]
