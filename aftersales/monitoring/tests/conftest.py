"""Monitoring test fixtures: every test starts with an empty "numbers seen this hour" memory, so a
number counted by an earlier test (same account id and hour after a rollback) is counted again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aftersales.monitoring.ingest import seen_numbers


@pytest.fixture(autouse=True)
def _fresh_seen_numbers() -> Iterator[None]:
    seen_numbers.clear()
    yield
    seen_numbers.clear()
