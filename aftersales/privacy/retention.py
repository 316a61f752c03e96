"""Retention: raw inputs and message bodies older than their windows are purged, in batches.

What goes (each window a setting, in days; 0 keeps forever):

- ``RETENTION_RAW_EMAIL_DAYS`` (90): the raw bytes of inbound mail once processed or ignored
  (mail still failing waits on the problems page with its bytes);
- ``RETENTION_RAW_CHAT_DAYS`` (90): the raw body of chat webhook requests, likewise;
- ``RETENTION_OUTBOUND_EMAIL_DAYS`` (90): the copy of a sent reply kept in the mail outbox
  (the reply itself stays on the ticket until its own window);
- ``RETENTION_MESSAGE_BODY_DAYS`` (1095): the body of a ticket's messages and notes, and the
  description of a ticket opened before the window, replaced by ``PURGED_BODY`` (counted
  together); the ticket, its times, people, status and timeline events stay, and the search
  index forgets the words.

Raw telemetry (webhook and DLR events, message parts) and probe results already have their own
daily purges (``MONITORING_RAW_DAYS``, ``MONITORING_PROBE_RESULT_DAYS``); ``run`` reports them
in the same summary when asked to (``include_telemetry``), so one command purges everything.

Each batch is its own short transaction (webhooks and agents keep writing meanwhile); a crash
leaves every finished batch done and the rest for the next run. One audit entry per run holds
the counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from aftersales.audit.log import record as audit
from aftersales.chat.models import ChatInbound
from aftersales.chat.models import InboundState as ChatState
from aftersales.core import clock
from aftersales.mail.models import InboundEmail, InboundState, OutboundEmail, OutboundState
from aftersales.tickets import search as ticket_search
from aftersales.tickets.models import Message, Ticket

BATCH = 500  # rows per transaction; each batch also rewrites its tickets' search docs
# What a purged message body reads; the same text in every language (it is stored data).
PURGED_BODY = "[body purged under retention]"


@dataclass
class Purged:
    raw_emails: int = 0
    raw_chats: int = 0
    outbound_emails: int = 0
    message_bodies: int = 0
    telemetry: dict[str, int] = field(default_factory=dict)
    cutoffs: dict[str, str] = field(default_factory=dict)

    def total(self) -> int:
        return self.raw_emails + self.raw_chats + self.outbound_emails + self.message_bodies + sum(
            self.telemetry.values()
        )


def windows() -> dict[str, int]:
    return {
        "raw_emails": settings.RETENTION_RAW_EMAIL_DAYS,
        "raw_chats": settings.RETENTION_RAW_CHAT_DAYS,
        "outbound_emails": settings.RETENTION_OUTBOUND_EMAIL_DAYS,
        "message_bodies": settings.RETENTION_MESSAGE_BODY_DAYS,
    }


def _in_batches(queryset: Any, change: Any, batch: int, after: Any = None) -> int:
    """Apply ``change(ids)`` to ``queryset``'s rows ``batch`` at a time, each in its own transaction."""
    done = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        with transaction.atomic():
            done += change(ids)
            if after is not None:
                after(ids)


def _purge_message_bodies(cutoff: dt.datetime, batch: int) -> int:
    """Message bodies, and the description of tickets opened before ``cutoff`` (the first message's text)."""
    descriptions = Ticket.objects.filter(created_at__lt=cutoff).exclude(description="").exclude(
        description=PURGED_BODY
    )
    done = _in_batches(
        descriptions, lambda ids: Ticket.objects.filter(pk__in=ids).update(description=PURGED_BODY), batch,
        after=lambda ids: ticket_search.rewrite(*Ticket.objects.filter(pk__in=ids)),
    )
    old = Message.objects.filter(created_at__lt=cutoff).exclude(body=PURGED_BODY)

    def change(ids: list[int]) -> int:
        return Message.objects.filter(pk__in=ids).update(body=PURGED_BODY, body_html="")

    def reindex(ids: list[int]) -> None:
        ticket_ids = set(Message.objects.filter(pk__in=ids).values_list("ticket_id", flat=True))
        ticket_search.rewrite(*Ticket.objects.filter(pk__in=ticket_ids))

    return done + _in_batches(old, change, batch, after=reindex)


def run(*, now: dt.datetime | None = None, batch: int = BATCH, actor: Any = None,
        include_telemetry: bool = False) -> Purged:
    """Purge everything older than its window; one audit entry with the counts."""
    now = now or clock.now()
    result = Purged()
    for name, days in windows().items():
        if days < 0:
            raise ValueError(f"RETENTION window for {name} must be 0 (keep) or more days, not {days}")
    cutoff = {name: now - dt.timedelta(days=days) for name, days in windows().items() if days > 0}
    result.cutoffs = {name: value.isoformat() for name, value in cutoff.items()}
    if "raw_emails" in cutoff:
        raw = InboundEmail.objects.filter(
            received_at__lt=cutoff["raw_emails"], state__in=[InboundState.PROCESSED, InboundState.IGNORED]
        ).exclude(raw=b"")
        result.raw_emails = _in_batches(raw, lambda ids: InboundEmail.objects.filter(pk__in=ids).update(raw=b""),
                                        batch)
    if "raw_chats" in cutoff:
        chats = ChatInbound.objects.filter(
            received_at__lt=cutoff["raw_chats"], state__in=[ChatState.PROCESSED, ChatState.IGNORED]
        ).exclude(raw=b"")
        result.raw_chats = _in_batches(chats, lambda ids: ChatInbound.objects.filter(pk__in=ids).update(raw=b""),
                                       batch)
    if "outbound_emails" in cutoff:
        sent = OutboundEmail.objects.filter(created_at__lt=cutoff["outbound_emails"], state=OutboundState.SENT).exclude(
            body_text=PURGED_BODY
        )
        result.outbound_emails = _in_batches(
            sent, lambda ids: OutboundEmail.objects.filter(pk__in=ids).update(body_text=PURGED_BODY, body_html=""),
            batch,
        )
    if "message_bodies" in cutoff:
        result.message_bodies = _purge_message_bodies(cutoff["message_bodies"], batch)
    if include_telemetry:
        from aftersales.monitoring.actions_ingestion import purge_old_telemetry
        from aftersales.monitoring.probes.runner import purge_results

        purged = purge_old_telemetry(now=now)
        result.telemetry = {"raw_events": purged.raw_events, "message_records": purged.message_records,
                            "probe_results": purge_results(now=now)}
    audit(actor=actor, action="privacy.retention", after=asdict(result))
    return result
