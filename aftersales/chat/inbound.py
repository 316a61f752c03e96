"""Chat messages in: verify, store the body as received, then thread it into a ticket.

``receive`` is the whole path of one webhook request. Order matters:

1. the signature (``X-Signature: sha256=<hex HMAC-SHA256 of the body with the channel's
   secret>``) is checked on the raw bytes, so nothing unsigned is stored;
2. the body is stored (``ChatInbound``, its own transaction) before it is parsed; a 2xx answer
   is only ever given once that row exists;
3. the JSON is read; a body that is not valid is kept as ``failed`` with the reason (400);
4. a timestamp more than five minutes away from now is a replay: kept as ``ignored``, 401;
5. under a lock on the channel: a message id already processed is ignored (200, same ticket);
   otherwise the conversation's ticket gets the message (a closed ticket: a new ticket).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from aftersales.chat.models import ChatChannel, ChatConversation, ChatInbound, InboundState
from aftersales.core import clock
from aftersales.customers.models import Contact, Customer
from aftersales.tickets import actions
from aftersales.tickets.models import Channel, Status, Ticket

logger = logging.getLogger(__name__)

REPLAY_WINDOW = dt.timedelta(minutes=5)
SUBJECT_LENGTH = 120


@dataclass
class Outcome:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    inbound: ChatInbound | None = None


class Malformed(ValueError):
    """The body is not a chat message we can read (the reason is stored with it)."""


def sign(secret: str, body: bytes) -> str:
    """The ``X-Signature`` value for ``body`` (what a bridge sends)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    header = (header or "").strip()
    if not header.startswith("sha256=") or not secret:
        return False
    return hmac.compare_digest(sign(secret, body), header)


def _text(data: dict[str, Any], key: str, *, required: bool, limit: int = 200) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise Malformed(f"“{key}” must be a string")
    value = value.strip()
    if required and not value:
        raise Malformed(f"“{key}” is required")
    return value[:limit]


def parse_timestamp(value: Any) -> dt.datetime:
    """Unix seconds (or milliseconds) as a number or string, or an ISO 8601 time with an offset."""
    if isinstance(value, bool) or value is None or value == "":
        raise Malformed("“timestamp” is required")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            try:
                moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise Malformed("“timestamp” is neither Unix time nor ISO 8601") from exc
            if moment.tzinfo is None:
                raise Malformed("“timestamp” needs a UTC offset") from None
            return moment
    else:
        raise Malformed("“timestamp” is neither Unix time nor ISO 8601")
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return dt.datetime.fromtimestamp(number, tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise Malformed("“timestamp” is out of range") from exc


@dataclass
class ChatMessage:
    sender_id: str
    sender_name: str
    text: str
    conversation_id: str
    timestamp: dt.datetime
    message_id: str
    attachments: list[dict[str, str]]


def parse(raw: bytes) -> ChatMessage:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Malformed(f"body is not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise Malformed(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Malformed("body must be a JSON object")
    attachments: list[dict[str, str]] = []
    raw_attachments = data.get("attachments") or []
    if not isinstance(raw_attachments, list):
        raise Malformed("“attachments” must be a list")
    for item in raw_attachments:
        if not isinstance(item, dict):
            raise Malformed("each attachment must be an object")
        url = _text(item, "url", required=False, limit=1000)
        if url and not url.startswith(("https://", "http://")):
            url = ""
        attachments.append({"name": _text(item, "name", required=False) or url or "attachment", "url": url})
    text = data.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise Malformed("“text” must be a string")
    return ChatMessage(
        sender_id=_text(data, "sender_id", required=True),
        sender_name=_text(data, "sender_name", required=False),
        text=text.strip(),
        conversation_id=_text(data, "conversation_id", required=True),
        timestamp=parse_timestamp(data.get("timestamp")),
        message_id=_text(data, "message_id", required=False),
        attachments=attachments,
    )


def _store(channel: ChatChannel, raw: bytes) -> ChatInbound:
    with transaction.atomic():
        return ChatInbound.objects.create(
            channel=channel, received_at=clock.now(), raw=raw, sha256=hashlib.sha256(raw).hexdigest()
        )


def _finish(inbound: ChatInbound, state: str, reason: str = "", **fields: Any) -> None:
    inbound.state = state
    inbound.reason = reason[:2000]
    for name, value in fields.items():
        setattr(inbound, name, value)
    inbound.save(update_fields=["state", "reason", *fields])


def receive(channel: ChatChannel, raw: bytes, signature: str) -> Outcome:
    if not signature:
        return Outcome(401, {"error": "missing_signature", "detail": "Sign the body: X-Signature: sha256=<hex HMAC>."})
    if not signature_ok(channel.secret, raw, signature):
        return Outcome(401, {"error": "bad_signature", "detail": "X-Signature does not match the body."})
    inbound = _store(channel, raw)
    try:
        message = parse(raw)
    except Malformed as exc:
        _finish(inbound, InboundState.FAILED, str(exc))
        return Outcome(400, {"error": "malformed", "detail": str(exc), "id": inbound.pk}, inbound)
    _finish(
        inbound,
        InboundState.RECEIVED,
        message_id=message.message_id or f"sha256:{inbound.sha256}",
        conversation_id=message.conversation_id,
        sender_id=message.sender_id,
    )
    now = clock.now()
    if abs(now - message.timestamp) > REPLAY_WINDOW:
        reason = f"timestamp {message.timestamp.isoformat()} is more than 5 minutes from {now.isoformat()}"
        _finish(inbound, InboundState.IGNORED, f"replay refused: {reason}")
        detail = "The timestamp is more than 5 minutes from the server's time."
        return Outcome(401, {"error": "stale_timestamp", "detail": detail}, inbound)
    if not message.text and not message.attachments:
        _finish(inbound, InboundState.FAILED, "empty message")
        return Outcome(400, {"error": "malformed", "detail": "“text” is empty.", "id": inbound.pk}, inbound)
    try:
        return _process(channel, inbound, message)
    except actions.TicketActionError as exc:
        _finish(inbound, InboundState.FAILED, "; ".join(exc.messages))
        return Outcome(422, {"error": "refused", "detail": "; ".join(exc.messages), "id": inbound.pk}, inbound)
    except Exception as exc:  # kept with its reason for staff; the bridge must not resend
        logger.exception("chat: processing inbound %s failed", inbound.pk)
        _finish(inbound, InboundState.FAILED, f"{type(exc).__name__}: {exc}")
        return Outcome(202, {"status": "stored", "detail": "Stored; processing failed.", "id": inbound.pk}, inbound)


def find_contact(channel: ChatChannel, sender_id: str) -> Contact | None:
    """The contact whose IM handle for the channel's kind is ``sender_id``.

    A channel that belongs to a customer only looks among that customer's (and its
    sub-accounts') contacts.
    """
    contacts = Contact.objects.filter(**{f"im_handles__{channel.kind}": sender_id}).select_related("customer")
    if channel.customer_id is not None:
        contacts = contacts.filter(Q(customer_id=channel.customer_id) | Q(customer__parent_id=channel.customer_id))
    return contacts.order_by("pk").first()


def _body(message: ChatMessage, contact: Contact | None) -> str:
    lines = []
    if contact is None:
        lines.append(f"[{message.sender_name or message.sender_id} · {message.sender_id}]")
    if message.text:
        lines.append(message.text)
    for attachment in message.attachments:
        lines.append(f"📎 {attachment['name']}" + (f": {attachment['url']}" if attachment["url"] else ""))
    return "\n".join(lines)


def _subject(message: ChatMessage) -> str:
    first = next((line.strip() for line in message.text.splitlines() if line.strip()), "")
    if not first:
        first = message.attachments[0]["name"] if message.attachments else message.sender_name or message.sender_id
    return first if len(first) <= SUBJECT_LENGTH else first[: SUBJECT_LENGTH - 1] + "…"


def _current(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _process(channel: ChatChannel, inbound: ChatInbound, message: ChatMessage) -> Outcome:
    with transaction.atomic():
        ChatChannel.objects.select_for_update().filter(pk=channel.pk).first()  # one message of a channel at a time
        duplicate = (
            ChatInbound.objects.filter(channel=channel, message_id=inbound.message_id, state=InboundState.PROCESSED)
            .exclude(pk=inbound.pk)
            .select_related("ticket")
            .first()
        )
        if duplicate is not None:
            _finish(inbound, InboundState.IGNORED, f"duplicate of #{duplicate.pk}", ticket=duplicate.ticket)
            ref = duplicate.ticket.ref if duplicate.ticket else None
            return Outcome(200, {"status": "duplicate", "ticket": ref, "id": inbound.pk}, inbound)
        contact = find_contact(channel, message.sender_id)
        customer: Customer | None = contact.customer if contact is not None else channel.customer
        conversation = (
            ChatConversation.objects.select_for_update()
            .filter(channel=channel, conversation_id=message.conversation_id)
            .select_related("ticket")
            .first()
        )
        ticket = _current(conversation.ticket) if conversation is not None else None
        body = _body(message, contact)
        if ticket is not None and ticket.status != Status.CLOSED:
            written = actions.record_customer_message(
                ticket=ticket, body=body, channel=Channel.CHAT, contact=contact, external_id=inbound.message_id
            )
            status = "threaded"
        else:
            ticket = actions.open_ticket(
                subject=_subject(message),
                channel=Channel.CHAT,
                description=body,
                customer=customer,
                contact=contact,
                team=channel.team,
                source_kind="chat",
                source_ref=f"{channel.slug}:{message.conversation_id}"[:255],
            )
            written = None
            status = "created"
        now = clock.now()
        if conversation is None:
            ChatConversation.objects.create(
                channel=channel, conversation_id=message.conversation_id, ticket=ticket, updated_at=now
            )
        else:
            conversation.ticket = ticket
            conversation.updated_at = now
            conversation.save(update_fields=["ticket", "updated_at"])
        _finish(inbound, InboundState.PROCESSED, ticket=ticket, ticket_message=written)
    return Outcome(200, {"status": status, "ticket": ticket.ref, "id": inbound.pk}, inbound)
