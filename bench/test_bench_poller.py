"""The poller benchmark still runs, on a small backlog, and fetches everything exactly once."""

from __future__ import annotations

import pytest

from aftersales.mail.tests.dovecot import available
from bench.bench_poller import run

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(bool(available()), reason=available() or "dovecot available")
def test_bench_poller_runs_on_a_small_backlog(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    result = run(12, progress=False)
    assert result["fetched"] == result["stored"] == 12
    assert result["fetched_again"] == 0
