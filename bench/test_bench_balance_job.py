"""The balance-job benchmark still runs, on a few stored accounts, and stores every balance exactly."""

from __future__ import annotations

import pytest

from bench.bench_balance_job import run

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_bench_balance_job_reads_and_stores_every_account_despite_injected_faults() -> None:
    result = run(30, workers=4, masters_every=5, faults=10)
    assert (result["checked"], result["errors"], result["wrong_balances"]) == (30, {}, 0)
    assert result["readings"] == 30 + 2 * 6
    assert result["injected_faults"] > 0
