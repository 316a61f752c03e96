"""The retention benchmark still runs on tiny data: it purges old bodies, then finds nothing left."""

from __future__ import annotations

import pytest

from bench.bench_retention import run

pytestmark = pytest.mark.django_db


def test_bench_retention_purges_old_bodies_then_nothing() -> None:
    result = run(40, messages_per_ticket=2, days=365, batch=7, progress=lambda _text: None)
    assert result["purged_bodies"] > 0 and result["batches"] >= 2
    assert result["second_run_purged"] == 0
