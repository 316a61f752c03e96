"""Reading what the webhooks receive into ``TrafficEvent`` values, and checking Vonage signatures.

Pure functions (no database): each raises :class:`Malformed` with a reason a person can act on.

- Vonage delivery receipts (DLR) and inbound messages (MO) arrive as GET query parameters, POST form
  fields or a POST JSON object with the same names (``messageId``, ``api-key``, ``msisdn``, ``to``,
  ``network-code``, ``status``, ``err-code``, ``price``, ``scts``, ``message-timestamp``,
  ``client-ref``; signed: ``timestamp``, ``nonce``, ``sig``).
- Verify v2 callbacks (``type`` summary/event, ``request_id``, ``status`` …): every callback means
  the verification was requested; ``completed`` means it was verified.
- The generic conversion event: ``message_id``, ``verified``, ``timestamp``.
- One line of the generic traffic feed: the Vonage DLR names (``_`` or ``-``, any case), plus
  ``event`` (submitted, dlr, inbound, conversion_requested, verified) and optional ``part``.

Signatures follow Vonage's documented algorithm (the SDK's ``Auth.sign_params``): every parameter
but ``sig``, sorted by name, as ``&name=value`` with ``&`` and ``=`` in values replaced by ``_``;
"md5hash" is MD5 over that string followed by the secret, the others an HMAC keyed by the secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from aftersales.monitoring.ingest import FINAL_STATUSES, INTERMEDIATE_STATUSES, TrafficEvent, normalise_status

SIGNATURE_METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")
FEED_EVENTS = ("submitted", "dlr", "inbound", "conversion_requested", "verified")
_ID_LENGTH = 100


class Malformed(ValueError):
    """The payload cannot be read; the message says why (stored with the raw event, sent back)."""


# --- Small readers -----------------------------------------------------------------------------


def _text(params: Mapping[str, Any], *names: str, limit: int = 100) -> str:
    for name in names:
        value = params.get(name)
        if value is None or isinstance(value, dict | list):
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = str(value).strip()
        if text:
            return text[:limit]
    return ""


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())[:20]


def parse_time(value: Any, *, name: str = "timestamp") -> dt.datetime:
    """ISO 8601 (an offset or Z; without one: UTC), ``YYYY-MM-DD HH:MM:SS`` (UTC), or Unix seconds
    or milliseconds as a number or string."""
    if isinstance(value, bool) or value in (None, ""):
        raise Malformed(f"“{name}” is empty")
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            return dt.datetime.fromtimestamp(number, tz=dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Malformed(f"“{name}” is not a time: {value!r}") from exc
    text = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as exc:
        raise Malformed(f"“{name}” is not a time: {text[:40]!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_scts(value: str) -> dt.datetime:
    """The carrier's ``scts`` (``YYMMDDHHMM``, UTC)."""
    try:
        return dt.datetime.strptime(value.strip(), "%y%m%d%H%M").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise Malformed(f"“scts” is not YYMMDDHHMM: {value[:20]!r}") from exc


def _price(params: Mapping[str, Any], *names: str) -> Decimal | None:
    text = _text(params, *names, limit=40)
    if not text:
        return None
    # Verify v2 sends "EUR 0.10" style prices; keep the number.
    number = text.split()[-1]
    try:
        price = Decimal(number)
    except InvalidOperation as exc:
        raise Malformed(f"“{names[0]}” is not a number: {text!r}") from exc
    if not price.is_finite() or price < 0 or price >= Decimal("1e6"):
        raise Malformed(f"“{names[0]}” is out of range: {text!r}")
    return price


def _err_code(params: Mapping[str, Any]) -> int | None:
    text = _text(params, "err-code", "err_code", "error-code", "error_code", limit=10)
    if not text:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise Malformed(f"“err-code” is not a number: {text!r}") from exc


def _dlr_time(params: Mapping[str, Any], received_at: dt.datetime) -> dt.datetime:
    """The carrier's time (``scts``, minutes), refined by Vonage's ``message-timestamp`` (seconds)
    when that falls in the same minute; either alone; else when we received it."""
    scts = _text(params, "scts", limit=20)
    stamp = _text(params, "message-timestamp", "message_timestamp", limit=40)
    carrier = parse_scts(scts) if scts else None
    vonage = parse_time(stamp, name="message-timestamp") if stamp else None
    if carrier and vonage and dt.timedelta(0) <= vonage - carrier < dt.timedelta(minutes=1):
        return vonage
    return carrier or vonage or received_at


# --- Vonage SMS API ----------------------------------------------------------------------------


def vonage_dlr(params: Mapping[str, Any], *, received_at: dt.datetime) -> TrafficEvent:
    message_id = _text(params, "messageId", "message-id", "message_id", limit=_ID_LENGTH)
    if not message_id:
        raise Malformed("“messageId” is missing")
    status = normalise_status(_text(params, "status", limit=20))
    if not status:
        raise Malformed("“status” is missing")
    if status not in FINAL_STATUSES and status not in INTERMEDIATE_STATUSES:
        raise Malformed(f"“status” {status!r} is not a DLR status")
    return TrafficEvent(
        kind="dlr",
        at=_dlr_time(params, received_at),
        message_id=message_id,
        api_key=_text(params, "api-key", "api_key"),
        msisdn=_digits(_text(params, "msisdn", limit=40)),
        sender=_text(params, "to", limit=20),
        network=_digits(_text(params, "network-code", "network_code", limit=10))[:10],
        status=status,
        err_code=_err_code(params),
        price=_price(params, "price"),
        client_ref=_text(params, "client-ref", "client_ref"),
    )


def vonage_inbound(params: Mapping[str, Any], *, received_at: dt.datetime) -> TrafficEvent:
    message_id = _text(params, "messageId", "message-id", "message_id", limit=_ID_LENGTH)
    if not message_id:
        raise Malformed("“messageId” is missing")
    msisdn = _digits(_text(params, "msisdn", limit=40))
    if not msisdn:
        raise Malformed("“msisdn” is missing")
    stamp = _text(params, "message-timestamp", "message_timestamp", limit=40)
    part = _text(params, "concat-part", "concat_part", limit=5)
    return TrafficEvent(
        kind="inbound",
        at=parse_time(stamp, name="message-timestamp") if stamp else received_at,
        # The parts of a long MO share concat-ref; each part keeps its own messageId.
        message_id=message_id,
        part=int(part) if part.isdigit() and int(part) > 0 else 1,
        api_key=_text(params, "api-key", "api_key"),
        msisdn=msisdn,
        sender=_text(params, "to", limit=20),
        network=_digits(_text(params, "network-code", "network_code", limit=10))[:10],
    )


def vonage_signature(params: Mapping[str, Any], secret: str, method: str) -> str:
    if method not in SIGNATURE_METHODS:
        raise ValueError(f"unknown signature method {method!r}")
    hasher: Any = (
        hashlib.md5(usedforsecurity=False) if method == "md5hash" else hmac.new(secret.encode(), digestmod=method)
    )
    for key in sorted(params):
        if key == "sig":
            continue
        value = params[key]
        if isinstance(value, str):
            value = value.replace("&", "_").replace("=", "_")
        hasher.update(f"&{key}={value}".encode())
    if method == "md5hash":
        hasher.update(secret.encode())
    return str(hasher.hexdigest())


def check_vonage_signature(
    params: Mapping[str, Any], *, secret: str, method: str, now: dt.datetime, max_age: dt.timedelta
) -> str:
    """"" when ``params`` carry a valid ``sig`` and a fresh ``timestamp``; else the reason."""
    sig = _text(params, "sig", limit=200).lower()
    if not sig:
        return "signature missing: the account requires signed webhooks"
    if not hmac.compare_digest(sig, vonage_signature(params, secret, method)):
        return "signature does not match"
    stamp = _text(params, "timestamp", limit=20)
    try:
        signed_at = parse_time(stamp)
    except Malformed:
        return "signed request without a valid timestamp"
    if abs(now - signed_at) > max_age:
        return f"replay refused: signed at {signed_at.isoformat()}, more than {int(max_age.total_seconds())} s ago"
    return ""


# --- Verify v2 and conversions -----------------------------------------------------------------


def verify_callback(data: Mapping[str, Any], *, api_key: str, received_at: dt.datetime) -> list[TrafficEvent]:
    request_id = _text(data, "request_id", limit=_ID_LENGTH)
    if not request_id:
        raise Malformed("“request_id” is missing")
    status = _text(data, "status", limit=30).lower()
    if not status:
        raise Malformed("“status” is missing")
    finished = _text(data, "finalized_at", "triggered_at", limit=40)
    at = parse_time(finished, name="finalized_at") if finished else received_at
    started = _text(data, "submitted_at", limit=40)
    requested_at = parse_time(started, name="submitted_at") if started else at
    requested = TrafficEvent(
        kind="conversion_requested", at=requested_at, message_id=request_id, api_key=api_key,
        client_ref=_text(data, "client_ref"),
    )
    return [requested, replace(requested, kind="verified", at=at)] if status == "completed" else [requested]


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise Malformed(f"“{name}” must be true or false")


def conversion(
    data: Mapping[str, Any], *, account_id: int | None, received_at: dt.datetime
) -> list[TrafficEvent]:
    """The generic conversion event (also Vonage Conversion API names: ``message-id``, ``delivered``)."""
    message_id = _text(data, "message_id", "message-id", "messageId", limit=_ID_LENGTH)
    if not message_id:
        raise Malformed("“message_id” is missing")
    if "verified" not in data and "delivered" not in data:
        raise Malformed("“verified” is missing")
    verified = _boolean(data.get("verified", data.get("delivered")), "verified")
    stamp = data.get("timestamp")
    at = parse_time(stamp) if stamp not in (None, "") else received_at
    requested = TrafficEvent(
        kind="conversion_requested", at=at, message_id=message_id, api_key=_text(data, "api_key", "api-key"),
        account_id=account_id,
    )
    return [requested, replace(requested, kind="verified")] if verified else [requested]


# --- The generic traffic feed ------------------------------------------------------------------


def _normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).strip().lower().replace("_", "-")
        out[{"messageid": "message-id", "network": "network-code", "api-key": "api-key"}.get(name, name)] = value
    return out


def feed_line(data: Any, *, account_id: int | None, received_at: dt.datetime) -> TrafficEvent:
    if not isinstance(data, dict):
        raise Malformed("a line must be a JSON object")
    params = _normalised(data)
    kind = _text(params, "event", "kind", limit=30).lower() or ("dlr" if params.get("status") else "")
    if kind not in FEED_EVENTS:
        raise Malformed(f"“event” must be one of {', '.join(FEED_EVENTS)}")
    message_id = _text(params, "message-id", limit=_ID_LENGTH)
    if not message_id:
        raise Malformed("“message-id” is missing")
    part_text = _text(params, "part", limit=5) or "1"
    if not part_text.isdigit() or int(part_text) < 1:
        raise Malformed("“part” must be a positive number")
    status = ""
    if kind == "dlr":
        status = normalise_status(_text(params, "status", limit=20))
        if status not in FINAL_STATUSES and status not in INTERMEDIATE_STATUSES:
            raise Malformed(f"“status” {status!r} is not a DLR status")
        at = _dlr_time(params, received_at) if not params.get("timestamp") else parse_time(params["timestamp"])
    else:
        stamp = params.get("timestamp") or params.get("message-timestamp")
        at = parse_time(stamp) if stamp not in (None, "") else received_at
    submitted = params.get("submitted-at")
    return TrafficEvent(
        kind=kind,
        at=at,
        message_id=message_id,
        part=int(part_text),
        api_key=_text(params, "api-key"),
        account_id=account_id,
        msisdn=_digits(_text(params, "msisdn", limit=40)),
        sender=_text(params, "sender", "from", "to", limit=20),
        network=_digits(_text(params, "network-code", limit=10))[:10],
        country=_text(params, "country", limit=2).upper(),
        status=status,
        err_code=_err_code(params),
        price=_price(params, "price", "message-price"),
        currency=(_text(params, "currency", limit=3) or "EUR").upper(),
        client_ref=_text(params, "client-ref"),
        submitted_at=parse_time(submitted, name="submitted_at") if submitted not in (None, "") else None,
    )
