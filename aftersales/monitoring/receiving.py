"""Telemetry webhooks, end to end: store the request, then (fast path) record its events.

Order, for every source:

1. read the request into values (pure, ``payloads``); what cannot be read is still stored;
2. a Vonage DLR or inbound message for an account with a signature secret must carry a valid ``sig``
   and a ``timestamp`` within ``MONITORING_SIGNATURE_MAX_AGE_SECONDS``; a Verify callback for such an
   account a valid JWT (HS256 with the same secret) whose ``payload_hash`` matches the body;
3. a ``RawEvent`` is written in its own transaction. Only then is a 2xx possible: when this write
   fails (database down) the caller answers 503 and the vendor retries. A refused signature or an
   unreadable payload is stored as ``invalid`` with its reason (401 / 400);
4. the events go through ``ingest.record_events`` right away (one more short transaction, which does
   not wait for the disk on PostgreSQL: the raw event is already durable). If that fails, the raw
   event stays ``stored`` and the periodic drain (``actions_ingestion.process_stored``) records it
   later — the vendor still gets its 2xx, because the event is safe. With
   ``MONITORING_PROCESS_INLINE=false`` step 4 is skipped: the drain records everything, in batches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import connection

from aftersales.core import clock
from aftersales.monitoring import payloads
from aftersales.monitoring.ingest import (
    EVENT_CONTENT_TYPE,
    IngestResult,
    TrafficEvent,
    dedup_key,
    event_from_json,
    record_events,
)
from aftersales.monitoring.models import EventSource, EventState, RawEvent, TrafficFeed

logger = logging.getLogger(__name__)

MAX_FEED_ERRORS = 100  # per-line errors listed in one answer (the count is always complete)


@dataclass
class Request:
    """What a webhook view hands over: the request as received."""

    method: str
    content_type: str
    body: str  # the body, or the query string of a GET
    remote_addr: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)  # query/form fields, or the JSON object
    authorization: str = ""
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


_RAW_COLUMNS = (
    "source", "received_at", "method", "content_type", "body", "remote_addr", "feed_id", "state", "reason",
    "api_key", "account_id", "dedup_key", "processed_at",
)


def _store(
    source: str, request: Request, *, state: str = EventState.STORED, reason: str = "", api_key: str = "",
    account_id: int | None = None, feed: TrafficFeed | None = None, dedup_key: str = "",
) -> int:
    """Store the request as a ``RawEvent``; its id.

    One INSERT in autocommit mode is its own transaction (committed, durably, when it returns) and
    costs one round trip instead of three (BEGIN, INSERT, COMMIT). It is written as SQL, not through
    ``Model.save``: on the webhook's hot path the ORM's per-field preparation cost more than the
    database (bench/README.md, "Telemetry in, one receipt at a time")."""
    values = (
        source, connection.ops.adapt_datetimefield_value(clock.now()), request.method[:8],
        request.content_type[:100], request.body, request.remote_addr[:64], feed.pk if feed is not None else None,
        state, reason[:300], api_key[:100], account_id, dedup_key[:200], None,
    )
    table = connection.ops.quote_name(RawEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_RAW_COLUMNS)}) "  # noqa: S608 - fixed names, values are parameters
            f"VALUES ({', '.join(['%s'] * len(_RAW_COLUMNS))}) RETURNING id",
            values,
        )
        return int(cursor.fetchone()[0])


def _state_of(result: IngestResult) -> str:
    if result.unmapped:
        return EventState.UNMAPPED
    if result.recorded:
        return EventState.PROCESSED
    if result.duplicates:
        return EventState.DUPLICATE
    return EventState.INVALID


def _record_now(events: list[TrafficEvent], *, source: str) -> IngestResult | None:
    """The fast path; None when it failed or is switched off (``MONITORING_PROCESS_INLINE``): the raw
    events stay ``stored`` for the drain."""
    if not settings.MONITORING_PROCESS_INLINE:
        return None
    try:
        return record_events(events, source=source, durable=False)
    except Exception:
        logger.exception("monitoring: recording %d %s event(s) failed; the drain will retry", len(events), source)
        return None


@dataclass(frozen=True)
class SignatureAccount:
    """What a webhook needs of the vendor account its ``api-key`` names."""

    pk: int
    signature_secret: str
    signature_method: str


# api-key → (expires at, account or None), per process. Every receipt names its key, and one SELECT
# per receipt was a third of the webhook's cost. Saving or deleting a vendor account clears it in this
# process (``forget_signature_accounts``, connected in apps.py); other processes see the change within
# ``SIGNATURE_ACCOUNT_TTL`` seconds.
SIGNATURE_ACCOUNT_TTL = 30.0
_SIGNATURE_ACCOUNTS_MAX = 10_000
_signature_accounts: dict[str, tuple[float, SignatureAccount | None]] = {}


def forget_signature_accounts(**_: Any) -> None:
    _signature_accounts.clear()


def _signature_account(api_key: str) -> SignatureAccount | None:
    from aftersales.sms.models import VendorAccount

    if not api_key:
        return None
    cached = _signature_accounts.get(api_key)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    row = (
        VendorAccount.objects.filter(api_key=api_key, active=True)
        .only("pk", "signature_secret", "signature_method")
        .order_by("pk")
        .first()
    )
    found = None if row is None else SignatureAccount(row.pk, row.signature_secret, row.signature_method)
    if len(_signature_accounts) >= _SIGNATURE_ACCOUNTS_MAX:
        _signature_accounts.clear()
    _signature_accounts[api_key] = (now + SIGNATURE_ACCOUNT_TTL, found)
    return found


def _max_age() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MONITORING_SIGNATURE_MAX_AGE_SECONDS)


# --- Replays: a signature is accepted once ------------------------------------------------------
# A signed request carries its time; one older than the window is refused (above). Inside the window
# the signature itself is remembered in the cache (CACHES["default"]; shared with CACHE_URL=redis://…)
# for twice the window, so the same signed request sent again is not processed again. It is answered 200
# with state "replay" (the first one was stored), so a sender whose first answer was lost stops retrying.
# If processing the first one fails, the signature is forgotten and the sender's retry goes through.

REPLAY_ANSWER = {"state": "replay", "detail": "This signed request was received already; it is not processed again."}


def _replay_key(kind: str, signature: str) -> str:
    return "replay:" + hashlib.sha256(f"{kind}:{signature}".encode()).hexdigest()


def first_use(kind: str, signature: str) -> bool:
    """True the first time ``signature`` is seen within the window; False for a replay."""
    from django.core.cache import cache

    ttl = int(_max_age().total_seconds()) * 2 + 1
    return bool(cache.add(_replay_key(kind, signature), 1, timeout=ttl))


def forget_use(kind: str, signature: str) -> None:
    from django.core.cache import cache

    cache.delete(_replay_key(kind, signature))


# --- Vonage DLR and inbound --------------------------------------------------------------------


def receive_vonage_sms(source: str, request: Request) -> Answer:
    """A delivery receipt (``source`` vonage_dlr) or an inbound message (vonage_inbound)."""
    params = request.params
    api_key = str(params.get("api-key") or params.get("api_key") or "")[:100]
    account = _signature_account(api_key)
    if account is not None and account.signature_secret:
        reason = payloads.check_vonage_signature(
            params, secret=account.signature_secret, method=account.signature_method, now=clock.now(),
            max_age=_max_age(),
        )
        if reason:
            raw = _store(source, request, state=EventState.INVALID, reason=reason[:300], api_key=api_key,
                         account_id=account.pk)
            return Answer(401, {"error": "bad_signature", "detail": reason, "id": raw})
        signature = f"{api_key}:{params.get('sig')}"
        if not first_use("vonage_sms", signature):
            return Answer(200, REPLAY_ANSWER)
        try:
            return _receive_vonage_sms(source, request, api_key)
        except Exception:
            forget_use("vonage_sms", signature)
            raise
    return _receive_vonage_sms(source, request, api_key)


def _receive_vonage_sms(source: str, request: Request, api_key: str) -> Answer:
    params = request.params
    parse = payloads.vonage_dlr if source == EventSource.VONAGE_DLR else payloads.vonage_inbound
    try:
        event = parse(params, received_at=clock.now())
    except payloads.Malformed as exc:
        raw = _store(source, request, state=EventState.INVALID, reason=str(exc)[:300], api_key=api_key)
        return Answer(400, {"error": "malformed", "detail": str(exc), "id": raw})
    raw = _store(source, request, api_key=api_key, dedup_key=dedup_key(event))
    result = _record_now([replace(event, raw_event_id=raw)], source=source)
    state = _state_of(result) if result is not None else EventState.STORED
    return Answer(200, {"state": state, "id": raw})


# --- Verify v2 ---------------------------------------------------------------------------------


def _verify_jwt_reason(request: Request, secret: str) -> str:
    import jwt

    scheme, _, token = request.authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "signature missing: the account requires signed callbacks (Authorization: Bearer <JWT>)"
    try:
        claims = jwt.decode(token.strip(), secret, algorithms=["HS256"], options={"require": ["iat"]})
    except jwt.InvalidTokenError as exc:
        return f"signature does not match: {exc}"[:300]
    issued = dt.datetime.fromtimestamp(float(claims["iat"]), tz=dt.UTC)
    if abs(clock.now() - issued) > _max_age():
        return f"replay refused: signed at {issued.isoformat()}"
    expected = claims.get("payload_hash")
    if expected and not hmac.compare_digest(str(expected), hashlib.sha256(request.body.encode()).hexdigest()):
        return "signature does not match: payload_hash differs from the body"
    return ""


def receive_verify(request: Request) -> Answer:
    source = EventSource.VONAGE_VERIFY
    api_key = (request.query.get("api_key") or request.query.get("api-key") or "")[:100]
    if not isinstance(request.params, dict) or not request.params:
        raw = _store(source, request, state=EventState.INVALID, reason="the body is not a JSON object", api_key=api_key)
        return Answer(400, {"error": "malformed", "detail": "Post the callback as a JSON object.", "id": raw})
    account = _signature_account(api_key)
    if account is not None and account.signature_secret:
        reason = _verify_jwt_reason(request, account.signature_secret)
        if reason:
            raw = _store(
                source, request, state=EventState.INVALID, reason=reason, api_key=api_key, account_id=account.pk
            )
            return Answer(401, {"error": "bad_signature", "detail": reason, "id": raw})
        signature = f"{api_key}:{request.authorization.strip()}"
        if not first_use("vonage_verify", signature):
            return Answer(200, REPLAY_ANSWER)
        try:
            return _receive_verify(request, api_key)
        except Exception:
            forget_use("vonage_verify", signature)
            raise
    return _receive_verify(request, api_key)


def _receive_verify(request: Request, api_key: str) -> Answer:
    source = EventSource.VONAGE_VERIFY
    try:
        events = payloads.verify_callback(request.params, api_key=api_key, received_at=clock.now())
    except payloads.Malformed as exc:
        raw = _store(source, request, state=EventState.INVALID, reason=str(exc)[:300], api_key=api_key)
        return Answer(400, {"error": "malformed", "detail": str(exc), "id": raw})
    raw = _store(source, request, api_key=api_key, dedup_key=dedup_key(events[-1]))
    result = _record_now([replace(e, raw_event_id=raw) for e in events], source=source)
    return Answer(200, {"state": _state_of(result) if result is not None else EventState.STORED, "id": raw})


# --- Token-authenticated feeds -----------------------------------------------------------------


def _feed_default_account(feed: TrafficFeed) -> int | None:
    return feed.account_id


def receive_conversion(request: Request, feed: TrafficFeed) -> Answer:
    source = EventSource.CONVERSION
    items = request.params if isinstance(request.params, list) else [request.params]
    try:
        if not request.params:
            raise payloads.Malformed("the body is not a JSON object")
        events = [
            event
            for item in items
            for event in payloads.conversion(
                item if isinstance(item, dict) else {}, account_id=_feed_default_account(feed),
                received_at=clock.now(),
            )
        ]
    except payloads.Malformed as exc:
        raw = _store(source, request, state=EventState.INVALID, reason=str(exc)[:300], feed=feed)
        return Answer(400, {"error": "malformed", "detail": str(exc), "id": raw})
    raw = _store(source, request, feed=feed, api_key=events[0].api_key[:100], dedup_key=dedup_key(events[-1]))
    result = _record_now([replace(e, raw_event_id=raw) for e in events], source=source)
    return Answer(200, {"state": _state_of(result) if result is not None else EventState.STORED, "id": raw})


def feed_events(
    body: str, *, account_id: int | None, received_at: dt.datetime
) -> tuple[list[TrafficEvent], list[dict[str, Any]]]:
    """The events of a JSON-lines body and the lines that could not be read ({"line", "error"})."""
    events: list[TrafficEvent] = []
    errors: list[dict[str, Any]] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append({"line": number, "error": f"not JSON: {exc.msg}"})
            continue
        try:
            events.append(payloads.feed_line(data, account_id=account_id, received_at=received_at))
        except payloads.Malformed as exc:
            errors.append({"line": number, "error": str(exc)})
    return events, errors


def receive_traffic(request: Request, feed: TrafficFeed) -> Answer:
    source = EventSource.TRAFFIC
    events, errors = feed_events(request.body, account_id=_feed_default_account(feed), received_at=clock.now())
    if not events:
        reason = "no line could be read" if errors else "the body is empty"
        raw = _store(source, request, state=EventState.INVALID, reason=reason, feed=feed)
        return Answer(400, {"error": "malformed", "detail": reason, "accepted": 0, "errors": errors[:MAX_FEED_ERRORS],
                            "error_count": len(errors), "id": raw})
    reason = f"{len(errors)} line(s) could not be read" if errors else ""
    raw = _store(source, request, feed=feed, reason=reason)
    # Lines may name different keys, so they carry no raw id: an unmapped line is kept as its own raw event.
    result = _record_now(events, source=source)
    body: dict[str, Any] = {"id": raw, "lines": len(events) + len(errors), "errors": errors[:MAX_FEED_ERRORS],
                            "error_count": len(errors)}
    if result is None:
        body.update(state=EventState.STORED, accepted=len(events))
        return Answer(200, body)
    RawEvent.objects.filter(pk=raw).update(state=EventState.PROCESSED, processed_at=clock.now())
    body.update(state=EventState.PROCESSED, accepted=result.recorded + result.duplicates + result.unmapped,
                recorded=result.recorded, duplicates=result.duplicates, unmapped=result.unmapped,
                unmapped_keys=sorted(result.unmapped_keys))
    return Answer(200, body)


# --- Reading a stored raw event again (drain, reprocessing after a key is mapped) --------------


def _stored_params(raw: RawEvent) -> Any:
    if raw.content_type.startswith("application/json"):
        return json.loads(raw.body or "null")
    return dict(parse_qsl(raw.body or "", keep_blank_values=True))


def events_from_raw(raw: RawEvent) -> list[TrafficEvent]:
    """The events of a stored raw event, as the webhook read them (signatures were checked on receipt).
    Raises ``payloads.Malformed`` (or ValueError for a body that is not JSON)."""
    if raw.content_type == EVENT_CONTENT_TYPE:
        return [event_from_json(raw.body, raw_event_id=raw.pk)]
    received_at = raw.received_at
    if raw.source in (EventSource.VONAGE_DLR, EventSource.VONAGE_INBOUND):
        parse = payloads.vonage_dlr if raw.source == EventSource.VONAGE_DLR else payloads.vonage_inbound
        event = parse(_stored_params(raw), received_at=received_at)
        return [replace(event, raw_event_id=raw.pk, api_key=event.api_key or raw.api_key)]
    if raw.source == EventSource.VONAGE_VERIFY:
        events = payloads.verify_callback(_stored_params(raw), api_key=raw.api_key, received_at=received_at)
        return [replace(e, raw_event_id=raw.pk) for e in events]
    feed_account = raw.feed.account_id if raw.feed_id and raw.feed else None
    if raw.source == EventSource.CONVERSION:
        data = _stored_params(raw)
        items = data if isinstance(data, list) else [data]
        return [
            replace(e, raw_event_id=raw.pk)
            for item in items
            for e in payloads.conversion(item, account_id=feed_account, received_at=received_at)
        ]
    if raw.source == EventSource.TRAFFIC:
        events, _errors = feed_events(raw.body, account_id=feed_account, received_at=received_at)
        return events  # lines carry no raw id (see receive_traffic)
    if raw.source == EventSource.REPORTS:
        from aftersales.monitoring.reports_pull import page_events  # the pull imports the ingestion side

        return page_events(raw)
    raise payloads.Malformed(f"{raw.source} events cannot be read again")


@dataclass
class Replayed:
    raw_events: int = 0
    invalid: int = 0
    result: IngestResult = field(default_factory=IngestResult)


def replay(raws: Iterable[RawEvent], *, source_of_new: str = EventSource.TRAFFIC) -> Replayed:
    """Record the events of ``raws`` (already stored) through ``record_events``; a raw event whose
    body cannot be read is marked invalid. A feed body's state is set here (its lines carry no raw id)."""
    outcome = Replayed()
    events: list[TrafficEvent] = []
    feed_bodies: list[int] = []
    for raw in raws:
        outcome.raw_events += 1
        try:
            found = events_from_raw(raw)
        except (payloads.Malformed, ValueError) as exc:
            outcome.invalid += 1
            RawEvent.objects.filter(pk=raw.pk).update(
                state=EventState.INVALID, reason=str(exc)[:300], processed_at=clock.now()
            )
            continue
        if raw.source == EventSource.TRAFFIC and raw.content_type != EVENT_CONTENT_TYPE:
            feed_bodies.append(raw.pk)
        events.extend(found)
    if events:
        outcome.result = record_events(events, source=source_of_new)
    if feed_bodies:
        RawEvent.objects.filter(pk__in=feed_bodies).update(state=EventState.PROCESSED, processed_at=clock.now())
    return outcome
