"""Helpers for the loading half's tests: interpreted rows built by hand, a run to load them into."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.imports import load as loading
from aftersales.imports.models import ImportRun
from aftersales.imports.records import Interpreted, SourceRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 7, 1, 10, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def item(
    line: int, raw: str, *, file: str = "ops-log.csv", sheet: str = "", kind: str = "table", **values: Any
) -> Interpreted:
    """An interpreted row; by default dated 2025-03-05 09:00 in Shanghai with its raw text as subject."""
    values.setdefault("occurred_at", at(3, 5))
    values.setdefault("subject", raw.split(",")[0][:120])
    values.setdefault("description", values["subject"])
    source = SourceRow(file=file, sheet=sheet, line=line, raw=raw, cells={"text": raw}, kind=kind)
    return Interpreted(source=source, **values)


def start(**options: Any) -> ImportRun:
    create_customers = options.pop("create_customers", True)
    files = [{"name": "ops-log.csv", "path": "-", "size": 0}]
    return loading.start_run(actor=None, files=files, options={"create_customers": create_customers}, **options)


def run_load(items: Iterable[Interpreted], **kwargs: Any) -> loading.Summary:
    create_customers = kwargs.pop("create_customers", True)
    run = start(create_customers=create_customers)
    return loading.load(items, run=run, create_customers=create_customers, **kwargs)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
