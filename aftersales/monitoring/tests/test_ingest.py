"""``record_events``: message parts and hourly rollups from a known set of events, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from aftersales.monitoring.ingest import TrafficEvent, event_from_json, event_to_json, prefix_of, record_events
from aftersales.monitoring.models import EventState, MessageRecord, PrefixRollup, RawEvent, TrafficRollup
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def account(personas: Any) -> VendorAccount:
    return VendorAccount.objects.create(customer=personas.customer, name="Starriver Vonage", api_key="a1b2c3d4")


def sent(message_id: str, msisdn: str, minutes: float, **extra: Any) -> TrafficEvent:
    return TrafficEvent(kind="submitted", at=at(minutes), message_id=message_id, api_key="a1b2c3d4", msisdn=msisdn,
                        **extra)


def dlr(message_id: str, status: str, minutes: float, **extra: Any) -> TrafficEvent:
    extra.setdefault("msisdn", "2348031230001")
    extra.setdefault("network", "62130")
    return TrafficEvent(kind="dlr", at=at(minutes), message_id=message_id, api_key="a1b2c3d4", status=status, **extra)


def rollup(**key: Any) -> TrafficRollup:
    return TrafficRollup.objects.get(**key)


def test_known_events_make_exact_rollups(account: VendorAccount) -> None:
    events = [
        sent("m1", "2348031230001", 1, network="62130", price=Decimal("0.0350")),
        sent("m2", "2348031230002", 2, network="62130", price=Decimal("0.0350")),
        sent("m3", "2348031230003", 3, network="62130"),
        dlr("m1", "accepted", 1.5),
        dlr("m1", "delivered", 2, err_code=0),
        dlr("m2", "failed", 4, err_code=6),
        dlr("m3", "undelivered", 5, err_code=6),
        dlr("m4", "expired", 6, err_code=11, price=Decimal("0.0200")),  # a receipt for a part never seen sent
        TrafficEvent(kind="conversion_requested", at=at(1), message_id="m1", api_key="a1b2c3d4"),
        TrafficEvent(kind="verified", at=at(3), message_id="m1"),  # the message alone names the account
        TrafficEvent(kind="verified", at=at(7), message_id="m2"),  # implies its request
        TrafficEvent(kind="inbound", at=at(8), message_id="mo1", api_key="a1b2c3d4", msisdn="447700900123",
                     sender="447700900999"),
    ]
    result = record_events(events)

    assert (result.recorded, result.duplicates, result.unmapped, result.invalid) == (12, 0, 0, 0)
    nigeria = rollup(account=account, hour=T0, country="NG", network="62130")
    assert (nigeria.submitted, nigeria.delivered, nigeria.failed, nigeria.expired, nigeria.unknown) == (3, 1, 2, 1, 0)
    assert nigeria.errors == {"6": 2, "11": 1}
    assert (nigeria.latency_ms_sum, nigeria.latency_count) == (60_000 + 120_000 + 120_000, 3)
    assert (nigeria.conversion_requested, nigeria.conversion_verified) == (2, 2)
    assert nigeria.cost == Decimal("0.0900")
    britain = rollup(account=account, hour=T0, country="GB")
    assert (britain.inbound, britain.submitted) == (1, 0)
    m1 = MessageRecord.objects.get(message_id="m1")
    assert (m1.status, m1.err_code, m1.latency_ms, m1.final_at) == ("delivered", 0, 60_000, at(2))
    assert m1.verified_at == at(3) and m1.conversion_requested
    assert MessageRecord.objects.get(message_id="m3").status == "failed"  # "undelivered" is the old word for it
    assert MessageRecord.objects.get(message_id="mo1", direction="in").country == "GB"


def test_duplicates_are_ignored_however_they_arrive(account: VendorAccount) -> None:
    first = [sent("m1", "2348031230001", 1), dlr("m1", "delivered", 2, err_code=0)]
    record_events(first)
    again = record_events([*first, dlr("m1", "failed", 3, err_code=1), dlr("m1", "accepted", 4)])
    same_batch = record_events([dlr("m9", "failed", 5, err_code=6), dlr("m9", "failed", 5, err_code=6)])

    assert (again.recorded, again.duplicates) == (0, 4)
    assert (same_batch.recorded, same_batch.duplicates) == (1, 1)
    row = rollup(account=account, hour=T0, country="NG", network="62130")
    assert (row.delivered, row.failed, row.errors) == (1, 1, {"6": 1})
    submitted = TrafficRollup.objects.filter(account=account).values_list("submitted", flat=True)
    assert sum(submitted) == 1


def test_counters_add_up_across_batches_and_hours(account: VendorAccount) -> None:
    record_events([dlr(f"a{n}", "failed", 10, err_code=6) for n in range(3)], batch_size=2)
    record_events([dlr(f"b{n}", "failed", 70, err_code=n % 2 * 5 + 6) for n in range(4)], batch_size=3)
    record_events([dlr("c1", "failed", 20, err_code=11)])

    first = rollup(account=account, hour=T0, country="NG")
    second = rollup(account=account, hour=T0 + dt.timedelta(hours=1), country="NG")
    assert (first.failed, first.errors) == (4, {"6": 3, "11": 1})
    assert (second.failed, second.errors) == (4, {"6": 2, "11": 2})


def test_prefix_rollup_counts_messages_and_distinct_numbers(account: VendorAccount) -> None:
    record_events([sent(f"p{n}", f"23480312{n % 3:05d}", 1 + n) for n in range(6)])  # 3 numbers, twice each
    record_events([dlr("p9", "delivered", 30, msisdn="2348031200001")])  # a number seen this hour already
    record_events([dlr("p10", "delivered", 61, msisdn="2348031200001")])  # the next hour: counted again

    this_hour = PrefixRollup.objects.get(account=account, hour=T0, prefix="234803120")
    next_hour = PrefixRollup.objects.get(account=account, hour=T0 + dt.timedelta(hours=1), prefix="234803120")
    assert (this_hour.messages, this_hour.numbers, this_hour.country) == (7, 3, "NG")
    assert (next_hour.messages, next_hour.numbers) == (1, 1)
    assert prefix_of("2348031200001") == "234803120"


def test_unmapped_events_are_kept_and_reported(account: VendorAccount) -> None:
    raw = RawEvent.objects.create(source="vonage_dlr", received_at=T0, body="messageId=x1", api_key="zzzz9999")
    event = TrafficEvent(kind="dlr", at=at(1), message_id="x1", api_key="zzzz9999", status="delivered",
                         raw_event_id=raw.pk)
    loose = TrafficEvent(kind="submitted", at=at(1), message_id="x2", api_key="yyyy8888", msisdn="447700900123")

    result = record_events([event, loose], source="csv")

    assert (result.unmapped, result.unmapped_keys) == (2, {"zzzz9999", "yyyy8888"})
    raw.refresh_from_db()
    assert (raw.state, raw.reason) == (EventState.UNMAPPED, "no vendor account has the key zzzz9999")
    kept = RawEvent.objects.get(api_key="yyyy8888")
    assert (kept.source, kept.state) == ("csv", EventState.UNMAPPED)
    assert event_from_json(kept.body) == loose
    assert not MessageRecord.objects.exists() and not TrafficRollup.objects.exists()


def test_raw_events_get_their_outcome(account: VendorAccount) -> None:
    raws = [RawEvent.objects.create(source="vonage_dlr", received_at=T0) for _ in range(3)]
    events = [
        dlr("r1", "delivered", 1, raw_event_id=raws[0].pk),
        dlr("r1", "delivered", 1, raw_event_id=raws[1].pk),
        dlr("r2", "bounced", 1, raw_event_id=raws[2].pk),
    ]
    result = record_events(events)

    states = [RawEvent.objects.get(pk=raw.pk) for raw in raws]
    assert [(r.state, r.account_id) for r in states[:2]] == [("processed", account.pk), ("duplicate", account.pk)]
    assert (states[2].state, states[2].reason) == ("invalid", "unknown DLR status 'bounced'")
    assert result.invalid == 1 and not MessageRecord.objects.filter(message_id="r2").exists()


def test_country_from_network_then_number(account: VendorAccount) -> None:
    record_events([
        dlr("n1", "delivered", 1, network="23410", msisdn="2348031230001"),  # the network wins
        dlr("n2", "delivered", 1, network="", msisdn="8613800138000"),
        dlr("n3", "delivered", 1, network="99999", msisdn="14155550123"),  # MCC not in the table: the number
    ])
    countries = dict(MessageRecord.objects.values_list("message_id", "country"))
    assert countries == {"n1": "GB", "n2": "CN", "n3": "US"}


def test_event_json_round_trip() -> None:
    event = TrafficEvent(kind="dlr", at=T0, message_id="m", status="failed", err_code=6, price=Decimal("0.01"),
                         submitted_at=T0 - dt.timedelta(seconds=5))
    assert event_from_json(event_to_json(event)) == event
