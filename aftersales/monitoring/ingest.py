"""The one ingestion path: every source (Vonage webhooks, the generic traffic feed, CSV imports,
Reports API pulls, the simulator) turns what it received into ``TrafficEvent`` values and calls
``record_events``, which maps them to vendor accounts, updates ``MessageRecord`` rows and adds to
the hourly ``TrafficRollup`` / ``PrefixRollup`` counters.

(Interface fixed first so ingestion, monitors and the simulator can be built side by side; the
implementation lives below.)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from aftersales.core import clock
from aftersales.monitoring import rollup_sql
from aftersales.monitoring.countries import country_for
from aftersales.monitoring.models import EventSource, EventState, MessageRecord, RawEvent


@dataclass(frozen=True)
class TrafficEvent:
    """One thing that happened to one message part.

    ``kind``: "submitted" (an MT message sent), "dlr" (a delivery receipt: ``status`` is the DLR
    status, ``err_code`` its code), "inbound" (an MO message), "conversion_requested" (an OTP sent
    that expects a verification), "verified" (the OTP was entered / Verify completed).
    """

    kind: str
    at: dt.datetime  # when it happened (UTC); the carrier's time for a DLR when known
    message_id: str
    api_key: str = ""  # the vendor key (Vonage "api-key"), how the event maps to an account
    account_id: int | None = None  # when the source already knows the account (a feed's default)
    part: int = 1
    msisdn: str = ""  # the recipient (MT) or sender (MO), E.164 digits
    sender: str = ""
    network: str = ""  # MCCMNC
    country: str = ""  # ISO 3166 alpha-2, derived from network/number when empty
    status: str = ""  # for "dlr": delivered, failed, expired, rejected, unknown, accepted, buffered
    err_code: int | None = None
    price: Decimal | None = None
    currency: str = "EUR"
    client_ref: str = ""
    submitted_at: dt.datetime | None = None  # for a DLR: when the message was sent, when known
    raw_event_id: int | None = None


@dataclass
class IngestResult:
    recorded: int = 0
    duplicates: int = 0
    unmapped: int = 0
    unmapped_keys: set[str] = field(default_factory=set)
    invalid: int = 0  # events that could not be read (unknown kind or status, no message id)


# --- Implementation ----------------------------------------------------------------------------
#
# One batch (default 5,000 events) is one transaction with a fixed number of queries, whatever its
# size: the vendor accounts its keys name (1), the message parts it touches, locked on PostgreSQL
# (1 per 900 ids), the new parts (bulk insert), the changed parts (bulk update), the hourly counters
# (one INSERT … ON CONFLICT DO UPDATE per 500 rows, ``rollup_sql``) and the raw events' states.
#
# Duplicates are decided by the part's own state, not by a lookup table: a "submitted" for a part
# that has a submission time, a final DLR for a part that already has a final status, an
# intermediate DLR (accepted/buffered) equal to the current status or after the final one, a
# conversion request or verification already recorded, an inbound message already stored. So a
# vendor's retry, a re-imported CSV or a replayed feed adds nothing twice (same message id + status
# + part), while the first final DLR of each part counts exactly once.
#
# Every counter is credited to the hour of the event that produced it (a DLR to the hour it
# arrived, a verification to the hour it happened), so the latest hour is complete as soon as the
# events are in. A message part enters ``PrefixRollup`` once, when the desk first hears of it.

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
KINDS = frozenset({"submitted", "dlr", "inbound", "conversion_requested", "verified"})
FINAL_STATUSES = frozenset({"delivered", "failed", "expired", "rejected", "unknown"})
INTERMEDIATE_STATUSES = frozenset({"accepted", "buffered"})
# Older Vonage documents say "undelivered" for "failed"; the Reports API adds "deleted".
STATUS_ALIASES = {"undelivered": "failed", "deleted": "failed"}
# Internal body of a RawEvent kept for an event that arrived without one (CSV row, feed line).
EVENT_CONTENT_TYPE = "application/vnd.aftersales.traffic-event+json"
_IN_QUERY = 900  # ids per IN (…) list
_COPY_FROM = 100  # new parts from which COPY beats INSERT (a webhook's one part: INSERT)
_MAX_ERR_CODE = 32767

_RECORD_FIELDS = [
    "account", "msisdn", "sender", "country", "network", "status", "err_code", "price", "currency", "client_ref",
    "submitted_at", "final_at", "latency_ms", "conversion_requested", "verified_at", "updated_at",
]


def normalise_status(status: str) -> str:
    status = (status or "").strip().lower()
    return STATUS_ALIASES.get(status, status)


def hour_of(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def prefix_of(msisdn: str) -> str:
    """E.164 without its last four digits (the pumping heuristic's unit), "" for short numbers."""
    return msisdn[:-4][:16] if len(msisdn) > 6 else ""


def neighbours(msisdn: str) -> tuple[str, ...]:
    """The numbers one below and one above ``msisdn`` under the same prefix (…0000 has no lower one,
    …9999 no upper one): what an enumeration of a number range sends to next."""
    if not msisdn.isdigit() or not prefix_of(msisdn):
        return ()
    last = int(msisdn[-4:])
    head = msisdn[:-4]
    return tuple(f"{head}{n:04d}" for n in (last - 1, last + 1) if 0 <= n <= 9999)


class NewPart:
    """A message part the desk hears of for the first time, as plain attributes: the fields of a
    ``MessageRecord`` without a Django model instance (``Model.__init__`` was a quarter of bulk
    ingest's Python time, bench/README.md). PostgreSQL writes it with COPY; ``to_model`` gives the
    instance ``bulk_create`` needs elsewhere."""

    __slots__ = (  # noqa: RUF023 - in the table's column order
        "account_id", "message_id", "part", "direction", "msisdn", "sender", "country", "network", "status",
        "err_code", "price", "currency", "client_ref", "submitted_at", "final_at", "latency_ms",
        "conversion_requested", "verified_at", "updated_at",
    )
    pk = None  # not in the database yet

    def __init__(self, *, account_id: int, message_id: str, part: int, direction: str, status: str,
                 updated_at: dt.datetime) -> None:
        self.account_id, self.message_id, self.part, self.direction = account_id, message_id, part, direction
        self.status, self.updated_at = status, updated_at
        self.msisdn = self.sender = self.country = self.network = self.client_ref = ""
        self.currency = "EUR"
        self.err_code: int | None = None
        self.price: Decimal | None = None
        self.submitted_at: dt.datetime | None = None
        self.final_at: dt.datetime | None = None
        self.latency_ms: int | None = None
        self.conversion_requested = False
        self.verified_at: dt.datetime | None = None

    def to_model(self) -> MessageRecord:
        return MessageRecord(**{name: getattr(self, name) for name in self.__slots__})


Part = MessageRecord | NewPart


# --- Distinct numbers per prefix and hour ------------------------------------------------------


class SeenNumbers:
    """(account, number) pairs already counted in an hour, in this process.

    A number is counted once per hour in ``PrefixRollup.numbers``. Within one process (an import, the
    simulator, one web worker) that is exact; across web workers a repeated number can be counted
    once per worker — a small overcount that only makes the prefix monitor a little more cautious.
    ``PrefixRollup.sequential`` (a new number whose neighbour, ±1, was already seen this hour) reads
    the same memory, with the opposite trade-off: a neighbour seen only by another worker is missed,
    an undercount that makes the sequential-numbers monitor a little more cautious too.
    Bounded: past ``limit`` pairs the oldest hours are forgotten, so memory stays flat on any import.
    """

    def __init__(self, limit: int = 400_000) -> None:
        self.limit = limit
        self._hours: dict[dt.datetime, set[tuple[int, str]]] = {}
        self._size = 0

    def __contains__(self, item: tuple[dt.datetime, int, str]) -> bool:
        hour, account_id, msisdn = item
        bucket = self._hours.get(hour)
        return bucket is not None and (account_id, msisdn) in bucket

    def add_all(self, items: Iterable[tuple[dt.datetime, int, str]]) -> None:
        for hour, account_id, msisdn in items:
            bucket = self._hours.setdefault(hour, set())
            if (account_id, msisdn) not in bucket:
                bucket.add((account_id, msisdn))
                self._size += 1
        while self._size > self.limit and len(self._hours) > 1:
            oldest = min(self._hours)
            self._size -= len(self._hours.pop(oldest))

    def clear(self) -> None:
        self._hours.clear()
        self._size = 0


seen_numbers = SeenNumbers()


# --- Serialising an event (kept in a RawEvent when it has no request of its own) ---------------


def event_to_json(event: TrafficEvent) -> str:
    data: dict[str, Any] = {}
    for name in TrafficEvent.__dataclass_fields__:
        value = getattr(event, name)
        if name == "raw_event_id" or value in (None, ""):
            continue
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def event_from_json(text: str, *, raw_event_id: int | None = None) -> TrafficEvent:
    data = json.loads(text)
    for name in ("at", "submitted_at"):
        if data.get(name):
            data[name] = dt.datetime.fromisoformat(data[name])
    if data.get("price") is not None:
        data["price"] = Decimal(data["price"])
    known = {key: value for key, value in data.items() if key in TrafficEvent.__dataclass_fields__}
    return TrafficEvent(**{**known, "raw_event_id": raw_event_id})


# --- The batch ---------------------------------------------------------------------------------


@dataclass
class _Outcomes:
    """Per raw event: what became of its events (a raw event may yield several)."""

    recorded: set[int] = field(default_factory=set)
    duplicate: set[int] = field(default_factory=set)
    unmapped: dict[int, str] = field(default_factory=dict)  # raw id → key
    invalid: dict[int, str] = field(default_factory=dict)  # raw id → reason
    accounts: dict[int, int] = field(default_factory=dict)  # raw id → account id


class _Batch:
    def __init__(self, events: list[TrafficEvent], result: IngestResult, *, source: str) -> None:
        self.events = events
        self.known_ids: set[int] = set()
        self.result = result
        self.source = source
        self.now = clock.now()
        self.traffic: dict[rollup_sql.TrafficKey, rollup_sql.Counters] = {}
        self.prefixes: dict[rollup_sql.PrefixKey, rollup_sql.PrefixCounters] = {}
        self.records: dict[tuple[str, int, str], Part] = {}
        self.new_keys: set[tuple[str, int, str]] = set()
        self.changed: dict[int, MessageRecord] = {}
        self.numbers_seen_here: set[tuple[dt.datetime, int, str]] = set()
        self.outcomes = _Outcomes()
        self.unmapped_events: list[tuple[TrafficEvent, str]] = []

    # -- loading ---------------------------------------------------------------------------------

    def _accounts(self) -> dict[str, int]:
        """api key → account id for the keys this batch names; remembers every account id seen."""
        from aftersales.sms.models import VendorAccount

        keys = {e.api_key for e in self.events if e.api_key}
        ids = {e.account_id for e in self.events if e.account_id}
        if not keys and not ids:
            return {}
        rows = list(
            VendorAccount.objects.filter(active=True)
            .filter(Q(api_key__in=keys) | Q(pk__in=ids))
            .values_list("api_key", "pk")
            .order_by("-pk")
        )
        self.known_ids = {pk for _, pk in rows}
        return {key: pk for key, pk in rows}  # the oldest row wins when two vendors share a key

    def _load_records(self) -> None:
        ids = sorted({e.message_id for e in self.events})
        # During a bulk load PostgreSQL's statistics lag far behind the table, and for a long IN list it
        # may then choose a sequential scan over millions of rows; every lookup here is by the unique
        # index, so steer it there for this transaction's lookups.
        steer = connection.vendor == "postgresql" and len(ids) > 50
        if steer:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan TO off")
        for start in range(0, len(ids), _IN_QUERY):
            # Ordered like the unique index, which is also the order rows are locked in.
            query = MessageRecord.objects.filter(message_id__in=ids[start : start + _IN_QUERY]).order_by(
                "message_id", "part", "direction"
            )
            if connection.features.has_select_for_update:
                query = query.select_for_update()
            for record in query:
                self.records[(record.message_id, record.part, record.direction)] = record
        if steer:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan TO on")

    # -- applying -------------------------------------------------------------------------------

    def run(self) -> None:
        by_key = self._accounts()
        self._load_records()
        for event in self.events:
            self._apply(event, by_key)

    def _invalid(self, event: TrafficEvent, reason: str) -> None:
        self.result.invalid += 1
        if event.raw_event_id is not None:
            self.outcomes.invalid[event.raw_event_id] = reason

    def _apply(self, event: TrafficEvent, by_key: dict[str, int]) -> None:
        if event.kind not in KINDS:
            self._invalid(event, f"unknown event kind {event.kind!r}")
            return
        if not event.message_id:
            self._invalid(event, "no message id")
            return
        if event.at.tzinfo is None:
            self._invalid(event, "time without a timezone")
            return
        direction = "in" if event.kind == "inbound" else "out"
        key = (event.message_id[:100], max(1, event.part or 1), direction)
        record = self.records.get(key)
        account_id = self._account_for(event, by_key, record)
        if account_id is None:
            self.result.unmapped += 1
            label = event.api_key or (f"#{event.account_id}" if event.account_id else "")
            self.result.unmapped_keys.add(label)
            if event.raw_event_id is not None:
                self.outcomes.unmapped[event.raw_event_id] = label
            else:
                self.unmapped_events.append((event, label))
            return
        created = record is None
        if record is None:
            record = NewPart(
                account_id=account_id, message_id=key[0], part=key[1], direction=direction, updated_at=self.now,
                status=MessageRecord.Status.INBOUND if direction == "in" else MessageRecord.Status.SUBMITTED,
            )
            self.records[key] = record
            self.new_keys.add(key)
        counted = getattr(self, f"_{event.kind}")(event, record)
        if counted is None:
            self._invalid(event, f"unknown DLR status {event.status!r}")
            if created:
                del self.records[key]
                self.new_keys.discard(key)
            return
        if counted:
            self.result.recorded += 1
            record.updated_at = self.now
            if record.pk is not None:
                self.changed[record.pk] = record
            if event.raw_event_id is not None:
                self.outcomes.recorded.add(event.raw_event_id)
                self.outcomes.accounts[event.raw_event_id] = record.account_id  # type: ignore[assignment]
            if created and direction == "out":
                self._count_prefix(event, record)
        else:
            self.result.duplicates += 1
            if event.raw_event_id is not None:
                self.outcomes.duplicate.add(event.raw_event_id)
                self.outcomes.accounts[event.raw_event_id] = record.account_id  # type: ignore[assignment]

    def _account_for(self, event: TrafficEvent, by_key: dict[str, int], record: Part | None) -> int | None:
        if event.api_key:
            # A key names the account; a feed's default account is only for events that name none.
            return by_key.get(event.api_key)
        if event.account_id and event.account_id in self.known_ids:
            return event.account_id
        if record is not None and record.account_id is not None:
            return record.account_id  # a verification or conversion naming only the message
        return None

    def _fill(self, event: TrafficEvent, record: Part) -> None:
        """Facts an event brings that the part did not have yet (number, network, country …)."""
        if event.msisdn and not record.msisdn:
            record.msisdn = event.msisdn[:20]
        if event.sender and not record.sender:
            record.sender = event.sender[:20]
        if event.network and not record.network:
            record.network = event.network[:10]
        if event.client_ref and not record.client_ref:
            record.client_ref = event.client_ref[:100]
        if not record.country or (event.country and event.network and not record.network):
            country = (event.country or "").upper()[:2] or country_for(network=record.network, msisdn=record.msisdn)
            if country:
                record.country = country

    def _counters(self, record: Part, at: dt.datetime) -> rollup_sql.Counters:
        key = (int(record.account_id), hour_of(at), record.country, record.network)  # type: ignore[arg-type]
        counters = self.traffic.get(key)
        if counters is None:
            counters = self.traffic[key] = rollup_sql.Counters()
        return counters

    def _add_price(self, event: TrafficEvent, record: Part, counters: rollup_sql.Counters) -> None:
        if event.price is not None and record.price is None:
            record.price = event.price
            record.currency = (event.currency or "EUR")[:3].upper()
            counters.cost += event.price

    def _submitted(self, event: TrafficEvent, record: Part) -> bool:
        if record.submitted_at is not None:
            return False
        self._fill(event, record)
        record.submitted_at = event.at
        counters = self._counters(record, event.at)
        counters.submitted += 1
        self._add_price(event, record, counters)
        if record.final_at is not None and record.latency_ms is None and record.final_at > event.at:
            # The receipt came first (a feed out of order): its latency is known only now.
            record.latency_ms = int((record.final_at - event.at).total_seconds() * 1000)
            late = self._counters(record, record.final_at)
            late.latency_ms_sum += record.latency_ms
            late.latency_count += 1
        return True

    def _dlr(self, event: TrafficEvent, record: Part) -> bool | None:
        status = normalise_status(event.status)
        if status not in FINAL_STATUSES and status not in INTERMEDIATE_STATUSES:
            return None
        if record.final_at is not None or (status in INTERMEDIATE_STATUSES and record.status == status):
            return False
        self._fill(event, record)
        if record.submitted_at is None and event.submitted_at is not None:
            record.submitted_at = event.submitted_at
        counters = self._counters(record, event.at)
        self._add_price(event, record, counters)
        record.status = status
        if status in INTERMEDIATE_STATUSES:
            return True
        record.final_at = event.at
        err_code = event.err_code
        record.err_code = min(err_code, _MAX_ERR_CODE) if err_code is not None and err_code >= 0 else None
        if status == "delivered":
            counters.delivered += 1
        elif status in ("failed", "rejected"):
            counters.failed += 1
        elif status == "expired":
            counters.expired += 1
        else:
            counters.unknown += 1
        if record.err_code:
            code = str(record.err_code)
            counters.errors[code] = counters.errors.get(code, 0) + 1
        # Strictly after: a receipt stamped with the submission time itself (a report row without a
        # finalisation time) has no known latency.
        if record.submitted_at is not None and event.at > record.submitted_at:
            record.latency_ms = int((event.at - record.submitted_at).total_seconds() * 1000)
            counters.latency_ms_sum += record.latency_ms
            counters.latency_count += 1
        return True

    def _inbound(self, event: TrafficEvent, record: Part) -> bool:
        if record.pk is not None or record.submitted_at is not None:
            return False
        self._fill(event, record)
        record.submitted_at = event.at
        counters = self._counters(record, event.at)
        counters.inbound += 1
        self._add_price(event, record, counters)
        return True

    def _conversion_requested(self, event: TrafficEvent, record: Part) -> bool:
        if record.conversion_requested:
            return False
        self._fill(event, record)
        record.conversion_requested = True
        self._counters(record, event.at).conversion_requested += 1
        return True

    def _verified(self, event: TrafficEvent, record: Part) -> bool:
        if record.verified_at is not None:
            return False
        self._fill(event, record)
        counters = self._counters(record, event.at)
        if not record.conversion_requested:
            record.conversion_requested = True  # a verification implies the request
            counters.conversion_requested += 1
        record.verified_at = event.at
        counters.conversion_verified += 1
        return True

    def _count_prefix(self, event: TrafficEvent, record: Part) -> None:
        prefix = prefix_of(record.msisdn)
        if not prefix:
            return
        hour = hour_of(record.submitted_at or event.at)
        account_id = int(record.account_id)  # type: ignore[arg-type]
        counters = self.prefixes.get((account_id, hour, prefix))
        if counters is None:
            counters = self.prefixes[(account_id, hour, prefix)] = rollup_sql.PrefixCounters(country=record.country)
        counters.messages += 1
        seen = (hour, account_id, record.msisdn)
        if seen not in self.numbers_seen_here and seen not in seen_numbers:
            self.numbers_seen_here.add(seen)
            counters.numbers += 1
            if any(
                (hour, account_id, neighbour) in self.numbers_seen_here or (hour, account_id, neighbour) in seen_numbers
                for neighbour in neighbours(record.msisdn)
            ):
                counters.sequential += 1

    # -- writing --------------------------------------------------------------------------------

    def write(self) -> None:
        new = [self.records[key] for key in sorted(self.new_keys) if key in self.records]
        if len(new) >= _COPY_FROM and connection.vendor == "postgresql":
            _copy_records(new)
        elif new:
            MessageRecord.objects.bulk_create(
                [r.to_model() if isinstance(r, NewPart) else r for r in new], batch_size=1000
            )
        if self.changed:
            MessageRecord.objects.bulk_update(
                [self.changed[pk] for pk in sorted(self.changed)], _RECORD_FIELDS, batch_size=500
            )
        self._write_raw_states()
        # The hourly rows are shared by every concurrent writer of an account: touch them last, so their
        # row locks are held only until the commit that follows.
        rollup_sql.add_prefixes(self.prefixes)
        rollup_sql.add_traffic(self.traffic)

    def _write_raw_states(self) -> None:
        outcomes = self.outcomes
        groups: dict[tuple[str, str, int | None, str], list[int]] = {}
        for raw_id, label in outcomes.unmapped.items():
            groups.setdefault((EventState.UNMAPPED, f"no vendor account has the key {label}", None, label), []).append(
                raw_id
            )
        for raw_id, reason in outcomes.invalid.items():
            if raw_id not in outcomes.unmapped and raw_id not in outcomes.recorded:
                groups.setdefault((EventState.INVALID, reason[:300], None, ""), []).append(raw_id)
        for raw_id in outcomes.recorded:
            if raw_id not in outcomes.unmapped:
                groups.setdefault((EventState.PROCESSED, "", outcomes.accounts.get(raw_id), ""), []).append(raw_id)
        for raw_id in outcomes.duplicate - outcomes.recorded:
            if raw_id not in outcomes.unmapped and raw_id not in outcomes.invalid:
                groups.setdefault((EventState.DUPLICATE, "", outcomes.accounts.get(raw_id), ""), []).append(raw_id)
        for (state, reason, account_id, label), raw_ids in groups.items():
            fields: dict[str, Any] = {"state": state, "reason": reason, "processed_at": self.now}
            if account_id is not None:
                fields["account_id"] = account_id
            if label and not label.startswith("#"):
                fields["api_key"] = label[:100]
            RawEvent.objects.filter(pk__in=raw_ids).update(**fields)
        if self.unmapped_events:
            RawEvent.objects.bulk_create(
                [
                    RawEvent(
                        source=self.source, received_at=self.now, content_type=EVENT_CONTENT_TYPE,
                        body=event_to_json(event), state=EventState.UNMAPPED,
                        reason=f"no vendor account has the key {label}"[:300],
                        api_key=event.api_key[:100], dedup_key=dedup_key(event),
                    )
                    for event, label in self.unmapped_events
                ],
                batch_size=1000,
            )


# Column names, which are also the attribute names (account_id).
_COPY_COLUMNS = [
    "account_id", "message_id", "part", "direction", *(name for name in _RECORD_FIELDS if name != "account")
]


def _copy_records(records: list[Part]) -> None:
    """New parts through PostgreSQL's COPY: several times faster than a multi-row INSERT for thousands
    of rows (no SQL text to build). Values are plain Python (str, int, Decimal, aware datetime), which
    psycopg writes as PostgreSQL does; a part another transaction inserted meanwhile raises
    IntegrityError, which ``_record_batch`` retries. The new rows' ids are not needed."""
    table = connection.ops.quote_name(MessageRecord._meta.db_table)
    with connection.cursor() as cursor:
        raw_cursor: Any = cursor.cursor  # psycopg's cursor under Django's wrapper
        with raw_cursor.copy(f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([getattr(record, name) for name in _COPY_COLUMNS])


def dedup_key(event: TrafficEvent) -> str:
    """message id + status (or kind) + part, as kept on the raw event."""
    what = normalise_status(event.status) if event.kind == "dlr" else event.kind
    return f"{event.message_id}:{what}:{event.part}"[:200]


def _batches(events: Iterable[TrafficEvent], size: int) -> Iterator[list[TrafficEvent]]:
    iterator = iter(events)
    while batch := list(islice(iterator, size)):
        yield batch


def record_events(
    events: Iterable[TrafficEvent],
    *,
    batch_size: int = BATCH_SIZE,
    source: str = EventSource.TRAFFIC,
    durable: bool = True,
) -> IngestResult:
    """Map ``events`` to vendor accounts and add them to message parts and the hourly rollups.

    Events are taken in batches of ``batch_size``, one transaction each (streaming: an iterator of
    millions of events keeps memory flat). Duplicates (same message id + status + part) are counted
    and ignored. An event whose account is unknown is kept: its raw event (``raw_event_id``) is
    marked unmapped, or, when it has none, a raw event of ``source`` is written with the event as
    its body, so mapping the key later can replay it (``monitoring.receiving.reprocess_key``).

    ``durable=False`` (the webhooks' fast path, PostgreSQL only, outside any outer transaction)
    commits without waiting for the disk: the raw events are already stored durably, and a crash
    that loses the commit also loses their "processed" state, so the periodic drain redoes them.
    """
    result = IngestResult()
    for batch in _batches(events, batch_size):
        _record_batch(batch, result, source=source, durable=durable)
    return result


def _record_batch(events: list[TrafficEvent], result: IngestResult, *, source: str, durable: bool) -> None:
    fast = not durable and connection.vendor == "postgresql" and not connection.in_atomic_block
    for attempt in range(3):
        partial = IngestResult()
        batch = _Batch(events, partial, source=source)
        try:
            with transaction.atomic():
                if fast:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                batch.run()
                batch.write()
        except IntegrityError:
            # Another transaction created one of these parts between our read and our insert: the
            # retry finds (and locks) it.
            if attempt == 2:
                raise
            logger.info("monitoring: batch of %d events raced another writer; retrying", len(events))
            continue
        break
    seen_numbers.add_all(batch.numbers_seen_here)
    result.recorded += partial.recorded
    result.duplicates += partial.duplicates
    result.unmapped += partial.unmapped
    result.invalid += partial.invalid
    result.unmapped_keys |= partial.unmapped_keys
