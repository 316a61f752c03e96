"""Traffic records from CSV in the Vonage Reports API's columns, through the live ingestion path.

Columns read (others are ignored; names as the Reports API writes them): ``account_id``,
``message_id``, ``client_ref``, ``direction`` (outbound/inbound), ``from``, ``to``, ``network``,
``country``, ``date_received``, ``date_finalized``, ``latency`` (ms), ``status``, ``error_code``,
``total_price``, ``currency``. An outbound row becomes a "submitted" event at ``date_received`` and,
when it has a status, a DLR at ``date_finalized`` (or received + latency); an inbound row an inbound
event. Rows stream in batches (one transaction each): memory stays flat for any file size.

A row that cannot be read is kept as an ``invalid`` raw event (source csv) with its line number,
reason and the line itself; rows of an unknown account are kept as unmapped raw events, like
webhook traffic, and replayed when the key is mapped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from aftersales.core import clock
from aftersales.monitoring import payloads
from aftersales.monitoring.ingest import (
    FINAL_STATUSES,
    INTERMEDIATE_STATUSES,
    TrafficEvent,
    normalise_status,
    record_events,
)
from aftersales.monitoring.models import EventSource, EventState, RawEvent

BATCH_ROWS = 5000
REQUIRED = ("message_id", "date_received")


@dataclass
class ImportSummary:
    rows: int = 0
    events: int = 0
    recorded: int = 0
    duplicates: int = 0
    unmapped: int = 0
    bad_rows: int = 0
    unmapped_keys: set[str] = field(default_factory=set)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "events": self.events, "recorded": self.recorded, "duplicates": self.duplicates,
            "unmapped": self.unmapped, "unmapped_keys": sorted(self.unmapped_keys), "bad_rows": self.bad_rows,
            "seconds": round(self.seconds, 2),
            "rows_per_second": round(self.rows / self.seconds) if self.seconds else None,
        }


def _cell(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return value.strip() if isinstance(value, str) else ""


def _time(row: dict[str, Any], name: str) -> dt.datetime | None:
    text = _cell(row, name)
    return payloads.parse_time(text, name=name) if text else None


def row_events(row: dict[str, Any], *, default_key: str = "") -> list[TrafficEvent]:
    """The events of one Reports record. Raises ``payloads.Malformed`` with the reason."""
    for name in REQUIRED:
        if not _cell(row, name):
            raise payloads.Malformed(f"“{name}” is empty")
    message_id = _cell(row, "message_id")[:100]
    received = payloads.parse_time(_cell(row, "date_received"), name="date_received")
    api_key = _cell(row, "account_id")[:100] or default_key
    if not api_key:
        raise payloads.Malformed("“account_id” is empty and no --account was given")
    price_text = _cell(row, "total_price")
    try:
        price = Decimal(price_text) if price_text else None
    except ArithmeticError as exc:
        raise payloads.Malformed(f"“total_price” is not a number: {price_text[:20]!r}") from exc
    network = "".join(ch for ch in _cell(row, "network") if ch.isdigit())[:10]
    common: dict[str, Any] = {
        "message_id": message_id, "api_key": api_key, "network": network, "country": _cell(row, "country")[:2].upper(),
        "client_ref": _cell(row, "client_ref")[:100], "price": price,
        "currency": (_cell(row, "currency") or "EUR")[:3].upper(),
    }
    direction = _cell(row, "direction").lower() or "outbound"
    sender, recipient = _cell(row, "from"), _cell(row, "to")
    digits = "".join(ch for ch in (sender if direction == "inbound" else recipient) if ch.isdigit())[:20]
    if direction == "inbound":
        return [TrafficEvent(kind="inbound", at=received, msisdn=digits, sender=recipient[:20], **common)]
    if direction != "outbound":
        raise payloads.Malformed(f"“direction” must be outbound or inbound, not {direction[:20]!r}")
    events = [TrafficEvent(kind="submitted", at=received, msisdn=digits, sender=sender[:20], **common)]
    status = normalise_status(_cell(row, "status"))
    if not status or status == "submitted":
        return events
    if status not in FINAL_STATUSES and status not in INTERMEDIATE_STATUSES:
        raise payloads.Malformed(f"“status” {status[:20]!r} is not a message status")
    finalized = _time(row, "date_finalized")
    latency = _cell(row, "latency")
    if finalized is None and latency.isdigit():
        finalized = received + dt.timedelta(milliseconds=int(latency))
    error_code = _cell(row, "error_code")
    if error_code and not error_code.lstrip("-").isdigit():
        raise payloads.Malformed(f"“error_code” is not a number: {error_code[:20]!r}")
    events.append(TrafficEvent(
        kind="dlr", at=finalized or received, status=status, err_code=int(error_code) if error_code else None,
        submitted_at=received, msisdn=digits, **{**common, "price": None},
    ))
    return events


def _line_of(header: list[str], row: dict[str, Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([row.get(name) or "" for name in header])
    return out.getvalue().rstrip("\r\n")


def import_rows(
    rows: Iterable[dict[str, Any]],
    *,
    header: list[str],
    default_key: str = "",
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[ImportSummary], None] | None = None,
    first_line: int = 2,
) -> ImportSummary:
    summary = ImportSummary()
    started = time.monotonic()
    events: list[TrafficEvent] = []
    bad: list[RawEvent] = []
    line = first_line - 1
    in_batch = 0

    def flush() -> None:
        nonlocal events, bad, in_batch
        if events:
            result = record_events(events, batch_size=len(events), source=EventSource.CSV)
            summary.recorded += result.recorded
            summary.duplicates += result.duplicates
            summary.unmapped += result.unmapped
            summary.unmapped_keys |= result.unmapped_keys
        if bad:
            RawEvent.objects.bulk_create(bad, batch_size=1000)
        events, bad, in_batch = [], [], 0
        summary.seconds = time.monotonic() - started
        if progress is not None:
            progress(summary)

    for row in rows:
        line += 1
        summary.rows += 1
        in_batch += 1
        try:
            found = row_events(row, default_key=default_key)
        except payloads.Malformed as exc:
            summary.bad_rows += 1
            bad.append(RawEvent(
                source=EventSource.CSV, received_at=clock.now(), content_type="text/csv",
                body=_line_of(header, row), state=EventState.INVALID, reason=f"line {line}: {exc}"[:300],
                api_key=_cell(row, "account_id")[:100] or default_key[:100],
            ))
        else:
            summary.events += len(found)
            events.extend(found)
        if in_batch >= batch_rows:
            flush()
    flush()
    return summary


def import_csv(
    handle: IO[str],
    *,
    default_key: str = "",
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import an open CSV file (text mode, ``newline=""``). Raises ``payloads.Malformed`` when the
    header lacks the required columns."""
    reader = csv.DictReader(handle)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise payloads.Malformed(f"the header lacks {', '.join(missing)} (Reports API columns expected)")
    return import_rows(reader, header=header, default_key=default_key, batch_rows=batch_rows, progress=progress)
