"""Mapping an unknown key (and replaying its events), the drain of stored events, the retention purge
and feed tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from aftersales.audit.models import AuditEntry
from aftersales.monitoring import actions_ingestion
from aftersales.monitoring.feeds import authenticate_feed, issue_feed_token
from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import (
    EventState,
    MessageRecord,
    PrefixRollup,
    RawEvent,
    TrafficFeed,
    TrafficRollup,
)
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def dlr_get(client: Any, message_id: str, key: str = "newkey77", stamp: str = "2026-11-25 09:10:00") -> Any:
    return client.get("/hooks/vonage/dlr", {
        "api-key": key, "messageId": message_id, "msisdn": "2348031230001", "network-code": "62130",
        "status": "delivered", "err-code": "0", "message-timestamp": stamp,
    })


def test_mapping_a_key_replays_its_stored_events(client: Any, personas: Any) -> None:
    for n in range(3):
        assert dlr_get(client, f"u{n}").json()["state"] == "unmapped"
    record_events([TrafficEvent(kind="submitted", at=NOW, message_id="u9", api_key="newkey77", msisdn="2348031230009")],
                  source="csv")

    account, replayed = actions_ingestion.map_unmapped_key(api_key="newkey77", customer=personas.customer,
                                                          actor=personas.lead, name="Starriver NG")

    assert (account.customer, account.name, account.kind) == (personas.customer, "Starriver NG", "vonage")
    assert (replayed.raw_events, replayed.result.recorded) == (4, 4)
    assert not RawEvent.objects.filter(state=EventState.UNMAPPED).exists()
    row = TrafficRollup.objects.get(account=account, country="NG", network="62130")
    assert row.delivered == 3
    assert sum(TrafficRollup.objects.filter(account=account).values_list("submitted", flat=True)) == 1
    assert AuditEntry.objects.filter(action="monitoring.unmapped_key.map").count() == 1
    # Mapping again replays nothing twice.
    _account, again = actions_ingestion.map_unmapped_key(api_key="newkey77", customer=personas.customer,
                                                        actor=personas.lead)
    assert again.raw_events == 0 and TrafficRollup.objects.get(pk=row.pk).delivered == 3


def test_mapping_uses_the_account_that_has_the_key_now(client: Any, personas: Any) -> None:
    dlr_get(client, "late1")
    existing = VendorAccount.objects.create(customer=personas.other_customer, name="Added later", api_key="newkey77")

    account, replayed = actions_ingestion.map_unmapped_key(api_key="newkey77", customer=personas.customer,
                                                          actor=personas.admin)

    assert account == existing and replayed.result.recorded == 1
    assert VendorAccount.objects.filter(api_key="newkey77").count() == 1


def test_mapping_refuses_a_master_of_another_customer(personas: Any) -> None:
    master = VendorAccount.objects.create(customer=personas.other_customer, name="Bluewave master", api_key="bw1")
    with pytest.raises(ValidationError):
        actions_ingestion.map_unmapped_key(api_key="k", customer=personas.customer, actor=personas.lead, parent=master)


def test_the_drain_records_events_left_stored(client: Any, personas: Any, monkeypatch: Any) -> None:
    from aftersales.monitoring import receiving

    account = VendorAccount.objects.create(customer=personas.customer, name="S", api_key="newkey77")
    real = receiving.record_events
    monkeypatch.setattr(receiving, "record_events", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
    assert dlr_get(client, "d1").json()["state"] == "stored"
    monkeypatch.setattr(receiving, "record_events", real)

    too_soon = actions_ingestion.process_stored()
    later = actions_ingestion.process_stored(now=NOW + dt.timedelta(minutes=3))

    assert (too_soon.raw_events, later.raw_events, later.result.recorded) == (0, 1, 1)
    assert RawEvent.objects.get().state == EventState.PROCESSED
    assert TrafficRollup.objects.get(account=account).delivered == 1


@override_settings(MONITORING_RAW_DAYS=30)
def test_purge_deletes_old_raw_events_and_parts_but_never_rollups(client: Any, personas: Any) -> None:
    account = VendorAccount.objects.create(customer=personas.customer, name="S", api_key="newkey77")
    with time_machine.travel(NOW - dt.timedelta(days=31), tick=False):
        dlr_get(client, "old1", stamp="2026-10-25 09:10:00")
        dlr_get(client, "old2", key="nobody00", stamp="2026-10-25 09:10:00")  # unmapped: kept until mapped
    dlr_get(client, "new1")

    purged = actions_ingestion.purge_old_telemetry(batch=1)

    assert (purged.raw_events, purged.message_records) == (1, 1)
    assert list(MessageRecord.objects.values_list("message_id", flat=True)) == ["new1"]
    assert set(RawEvent.objects.values_list("state", flat=True)) == {"processed", "unmapped"}
    assert TrafficRollup.objects.filter(account=account).count() == 2
    assert PrefixRollup.objects.filter(account=account).count() == 2


def test_feed_token_is_shown_once_and_stored_hashed(personas: Any) -> None:
    feed = TrafficFeed(name="JMC")
    raw = issue_feed_token(feed=feed, actor=personas.admin)

    stored = TrafficFeed.objects.get(pk=feed.pk)
    assert raw.startswith("asf_") and raw not in (stored.token_hash, stored.token_prefix)
    assert stored.token_prefix == raw[:10]
    assert authenticate_feed(f"Bearer {raw}") == stored
    assert authenticate_feed(f"Basic {raw}") is None and authenticate_feed(None) is None
    rotated = issue_feed_token(feed=stored, actor=personas.admin)
    assert authenticate_feed(f"Bearer {raw}") is None and authenticate_feed(f"Bearer {rotated}") == stored
    assert list(AuditEntry.objects.filter(action__startswith="monitoring.feed_token").values_list("action", flat=True)
                .order_by("pk")) == ["monitoring.feed_token.issue", "monitoring.feed_token.rotate"]


@override_settings(MONITORING_PROCESS_INLINE=False)
def test_without_inline_processing_the_hook_stores_and_the_drain_records(client: Any, personas: Any) -> None:
    account = VendorAccount.objects.create(customer=personas.customer, name="S", api_key="newkey77")
    answers = [dlr_get(client, f"q{n}").json()["state"] for n in range(3)]
    assert answers == ["stored"] * 3 and not TrafficRollup.objects.exists()

    drained = actions_ingestion.process_stored()  # no waiting period when nothing is recorded inline

    assert (drained.raw_events, drained.result.recorded) == (3, 3)
    assert TrafficRollup.objects.get(account=account).delivered == 3
