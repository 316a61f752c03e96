"""Writes around telemetry ingestion: mapping an unknown key, replaying stored events, the drain of
events whose fast path failed, and the retention purge.

Replays go through the same path as live traffic (``receiving.replay`` → ``ingest.record_events``),
so a mapped key's old events land in the rollups exactly as if the account had been known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.audit.log import record as audit
from aftersales.core import clock
from aftersales.monitoring.models import EventState, MessageRecord, RawEvent
from aftersales.monitoring.receiving import Replayed, replay

REPLAY_CHUNK = 2000
PURGE_BATCH = 10_000
# The fast path answers within a second; a raw event still "stored" after this is the drain's.
DRAIN_AFTER = dt.timedelta(minutes=2)


def _replay_query(query: Any, *, limit: int | None = None) -> Replayed:
    total = Replayed()
    last_pk = 0
    while limit is None or total.raw_events < limit:
        size = REPLAY_CHUNK if limit is None else min(REPLAY_CHUNK, limit - total.raw_events)
        chunk = list(query.filter(pk__gt=last_pk).select_related("feed").order_by("pk")[:size])
        if not chunk:
            break
        last_pk = chunk[-1].pk
        done = replay(chunk)
        total.raw_events += done.raw_events
        total.invalid += done.invalid
        result = total.result
        result.recorded += done.result.recorded
        result.duplicates += done.result.duplicates
        result.unmapped += done.result.unmapped
        result.invalid += done.result.invalid
        result.unmapped_keys |= done.result.unmapped_keys
    return total


def reprocess_key(*, api_key: str) -> Replayed:
    """Replay the unmapped raw events that name ``api_key`` (after an account was given that key)."""
    return _replay_query(RawEvent.objects.filter(state=EventState.UNMAPPED, api_key=api_key))


def map_unmapped_key(
    *, api_key: str, customer: Any, actor: Any, name: str = "", kind: str = "vonage", parent: Any = None
) -> tuple[Any, Replayed]:
    """Give ``api_key`` a vendor account of ``customer`` (or use the active one that has it now) and
    replay its stored events. Returns the account and what the replay recorded."""
    from aftersales.sms.models import VendorAccount

    api_key = (api_key or "").strip()
    if not api_key:
        raise ValidationError({"api_key": _("The key is empty.")})
    if parent is not None and parent.customer_id not in (customer.pk, customer.parent_id):
        raise ValidationError({"parent": _("The master account must belong to this customer or its master account.")})
    with transaction.atomic():
        account = VendorAccount.objects.filter(api_key=api_key, active=True).order_by("pk").first()
        if account is None:
            if VendorAccount.objects.filter(api_key=api_key, kind=kind).exists():
                raise ValidationError(
                    {"kind": _("An inactive %(vendor)s account already has this key; activate it in admin instead.")
                     % {"vendor": kind}}
                )
            account = VendorAccount.objects.create(
                api_key=api_key, kind=kind, customer=customer, parent=parent, name=(name or api_key)[:200]
            )
            audit(actor=actor, action="monitoring.unmapped_key.map", obj=account,
                  after={"api_key": api_key, "customer": customer.code, "kind": kind,
                         "parent": parent.pk if parent is not None else None})
        else:
            audit(actor=actor, action="monitoring.unmapped_key.replay", obj=account, after={"api_key": api_key})
    return account, reprocess_key(api_key=api_key)


def process_stored(*, now: dt.datetime | None = None, limit: int = 500_000) -> Replayed:
    """Record raw events still ``stored``: with inline processing, those a while old (their fast path
    failed); without it (``MONITORING_PROCESS_INLINE=false``), every one, in batches."""
    now = now or clock.now()
    query = RawEvent.objects.filter(state=EventState.STORED)
    if settings.MONITORING_PROCESS_INLINE:
        query = query.filter(received_at__lte=now - DRAIN_AFTER)
    return _replay_query(query, limit=limit)


@dataclass
class Purged:
    raw_events: int = 0
    message_records: int = 0


def _delete_in_batches(query: Any, batch: int) -> int:
    deleted = 0
    while True:
        ids = list(query.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += query.model.objects.filter(pk__in=ids).delete()[0]


def purge_old_telemetry(*, now: dt.datetime | None = None, days: int | None = None, batch: int = PURGE_BATCH) -> Purged:
    """Delete raw events and message parts older than ``days`` (``MONITORING_RAW_DAYS``), in batches
    (short transactions: webhooks keep writing meanwhile). Rollups are never purged; unmapped raw events
    wait for their key to be mapped (the unmapped-traffic page shows them) and are kept."""
    now = now or clock.now()
    days = settings.MONITORING_RAW_DAYS if days is None else days
    cutoff = now - dt.timedelta(days=days)
    raw = RawEvent.objects.filter(received_at__lt=cutoff).exclude(state=EventState.UNMAPPED)
    records = MessageRecord.objects.filter(updated_at__lt=cutoff)
    return Purged(raw_events=_delete_in_batches(raw, batch), message_records=_delete_in_batches(records, batch))
