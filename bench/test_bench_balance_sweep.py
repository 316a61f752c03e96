"""The balance-sweep benchmark still runs, on a few accounts, and reads every balance right."""

from __future__ import annotations

from bench.bench_balance_sweep import run


def test_bench_balance_sweep_reads_every_account_despite_injected_faults() -> None:
    result = run(40, workers=4, masters_every=5, faults=10)
    assert result["outcomes"] == {"ok": 40}
    assert result["wrong_balances"] == 0
    assert result["injected_faults"] > 0
    assert result["requests"] == 40 + 8 + result["injected_faults"]
