"""Adding to the hourly counters in one statement per chunk: ``INSERT … ON CONFLICT DO UPDATE``.

Raw SQL on purpose (through ``connection.cursor()``): the ORM has no "increment on conflict", and a
read–modify–write would cost a ``SELECT … FOR UPDATE`` and an ``UPDATE`` per batch. PostgreSQL and
SQLite (3.24+) both understand ``ON CONFLICT (…) DO UPDATE SET col = table.col + excluded.col``; only
the merge of the ``errors`` JSON object ({"6": 12, "11": 3}) differs, so it is the one vendor-specific
fragment. Values are prepared by the model fields themselves (``get_db_prep_save``), so datetimes,
decimals and JSON reach each backend in its own form.

Rows are sorted by key before writing, so two transactions adding to the same rows lock them in the
same order (no deadlock on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from aftersales.monitoring.models import PrefixRollup, TrafficRollup

# Rows per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
CHUNK_ROWS = 500

COUNTERS = (
    "submitted",
    "delivered",
    "failed",
    "expired",
    "unknown",
    "latency_ms_sum",
    "latency_count",
    "conversion_requested",
    "conversion_verified",
    "inbound",
)


@dataclass
class Counters:
    """What one batch adds to one (account, hour, country, network) row."""

    submitted: int = 0
    delivered: int = 0
    failed: int = 0
    expired: int = 0
    unknown: int = 0
    latency_ms_sum: int = 0
    latency_count: int = 0
    conversion_requested: int = 0
    conversion_verified: int = 0
    inbound: int = 0
    cost: Decimal = Decimal(0)
    errors: dict[str, int] = field(default_factory=dict)


@dataclass
class PrefixCounters:
    country: str = ""
    messages: int = 0
    numbers: int = 0
    sequential: int = 0  # new numbers whose neighbour (±1) was already seen under the prefix that hour


TrafficKey = tuple[int, dt.datetime, str, str]  # account id, hour, country, network
PrefixKey = tuple[int, dt.datetime, str]  # account id, hour, prefix


_PG_ERRORS_MERGE = (
    "(SELECT COALESCE(jsonb_object_agg(merged.code, merged.total), '{}'::jsonb) FROM ("
    "SELECT pairs.key AS code, SUM(pairs.value::bigint) AS total FROM ("
    "SELECT key, value FROM jsonb_each_text(TABLE.errors) "
    "UNION ALL SELECT key, value FROM jsonb_each_text(EXCLUDED.errors)) AS pairs "
    "GROUP BY pairs.key) AS merged)"
)
_SQLITE_ERRORS_MERGE = (
    "(SELECT json_group_object(code, total) FROM ("
    "SELECT key AS code, SUM(value) AS total FROM ("
    "SELECT key, value FROM json_each(TABLE.errors) "
    "UNION ALL SELECT key, value FROM json_each(excluded.errors)) GROUP BY key))"
)


def _errors_merge(table: str) -> str:
    """SQL for "the stored errors object plus excluded.errors, summed per code" (``table`` is our
    own quoted table name, never input)."""
    template = _PG_ERRORS_MERGE if connection.vendor == "postgresql" else _SQLITE_ERRORS_MERGE
    return template.replace("TABLE", table)


def _prep(model: Any, name: str, value: Any) -> Any:
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _execute_chunks(
    sql_head: str, sql_tail: str, rows: Sequence[Sequence[Any]], pg_types: Sequence[str] | None = None
) -> None:
    if not rows:
        return
    width = len(rows[0])
    placeholder = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        if pg_types is not None and len(rows) > 1:
            # PostgreSQL: one array per column, unnested server-side — a short statement whatever the
            # number of rows, far cheaper to build and send than thousands of "(%s, …)" groups.
            columns = [list(column) for column in zip(*rows, strict=True)]
            arrays = ", ".join(f"%s::{kind}[]" for kind in pg_types)
            cursor.execute(f"{sql_head} SELECT * FROM unnest({arrays}) {sql_tail}", columns)  # noqa: S608
            return
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            params = [value for row in chunk for value in row]
            cursor.execute(f"{sql_head} VALUES {', '.join([placeholder] * len(chunk))} {sql_tail}", params)


def add_traffic(deltas: dict[TrafficKey, Counters]) -> None:
    """Add ``deltas`` to ``TrafficRollup`` rows, creating the rows that do not exist yet."""
    if not deltas:
        return
    table = connection.ops.quote_name(TrafficRollup._meta.db_table)
    columns = ["account_id", "hour", "country", "network", *COUNTERS, "cost", "errors"]
    rows = []
    for key in sorted(deltas):
        account_id, hour, country, network = key
        counters = deltas[key]
        rows.append(
            [
                account_id,
                _prep(TrafficRollup, "hour", hour),
                country,
                network,
                *(getattr(counters, name) for name in COUNTERS),
                _prep(TrafficRollup, "cost", counters.cost),
                _prep(TrafficRollup, "errors", counters.errors),
            ]
        )
    updates = [f"{name} = {table}.{name} + excluded.{name}" for name in (*COUNTERS, "cost")]
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    updates.append(f"errors = CASE WHEN excluded.errors = {empty} THEN {table}.errors ELSE {_errors_merge(table)} END")
    head = f"INSERT INTO {table} ({', '.join(columns)})"
    tail = f"ON CONFLICT (account_id, hour, country, network) DO UPDATE SET {', '.join(updates)}"
    types = ["bigint", "timestamptz", "text", "text", *(["bigint"] * len(COUNTERS)), "numeric", "jsonb"]
    _execute_chunks(head, tail, rows, types if connection.vendor == "postgresql" else None)


def add_prefixes(deltas: dict[PrefixKey, PrefixCounters]) -> None:
    """Add ``deltas`` to ``PrefixRollup`` rows (messages, distinct numbers and numbers next to another
    per prefix and hour)."""
    if not deltas:
        return
    table = connection.ops.quote_name(PrefixRollup._meta.db_table)
    rows = []
    for key in sorted(deltas):
        account_id, hour, prefix = key
        counters = deltas[key]
        rows.append(
            [account_id, _prep(PrefixRollup, "hour", hour), prefix, counters.country, counters.messages,
             counters.numbers, counters.sequential]
        )
    head = f"INSERT INTO {table} (account_id, hour, prefix, country, messages, numbers, sequential)"
    tail = (
        "ON CONFLICT (account_id, hour, prefix) DO UPDATE SET "
        f"messages = {table}.messages + excluded.messages, numbers = {table}.numbers + excluded.numbers, "
        f"sequential = {table}.sequential + excluded.sequential, "
        f"country = CASE WHEN {table}.country = '' THEN excluded.country ELSE {table}.country END"
    )
    types = ["bigint", "timestamptz", "text", "text", "bigint", "bigint", "bigint"]
    _execute_chunks(head, tail, rows, types if connection.vendor == "postgresql" else None)
