"""The telemetry jobs: the drain every minute, the retention purge daily (rollups stay)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from aftersales.core.scheduler import discover_jobs
from aftersales.monitoring import tasks
from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import MessageRecord, RawEvent, TrafficRollup
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


def test_jobs_are_registered() -> None:
    jobs = {job.name: job for job in discover_jobs()}
    assert jobs["monitoring.process_stored_events"].every == dt.timedelta(minutes=1)
    purge = jobs["monitoring.purge_old_telemetry"]
    assert (purge.every, purge.offset) == (dt.timedelta(days=1), dt.timedelta(hours=2, minutes=30))


def test_the_daily_purge_keeps_the_window_and_the_rollups(personas: Any, settings: Any) -> None:
    settings.MONITORING_RAW_DAYS = 7
    account = VendorAccount.objects.create(customer=personas.customer, name="S", api_key="k1")
    for days_ago in (10, 8, 6):
        when = NOW - dt.timedelta(days=days_ago)
        with time_machine.travel(when, tick=False):
            RawEvent.objects.create(source="vonage_dlr", received_at=when, state="processed")
            record_events([TrafficEvent(kind="submitted", at=when, message_id=f"m{days_ago}", api_key="k1",
                                        msisdn="447700900123")])

    with time_machine.travel(NOW, tick=False):
        result = tasks.purge_old_telemetry.call()

    assert result == {"raw_events": 2, "message_records": 2}
    assert list(MessageRecord.objects.values_list("message_id", flat=True)) == ["m6"]
    assert RawEvent.objects.count() == 1
    assert TrafficRollup.objects.filter(account=account).count() == 3


def test_the_drain_job_reports_what_it_did(personas: Any) -> None:
    VendorAccount.objects.create(customer=personas.customer, name="S", api_key="k1")
    RawEvent.objects.create(
        source="vonage_dlr", received_at=NOW - dt.timedelta(minutes=5), method="GET",
        body="api-key=k1&messageId=x1&status=delivered&msisdn=447700900123&network-code=23410",
    )
    with time_machine.travel(NOW, tick=False):
        assert tasks.process_stored_events.call() == {"raw_events": 1, "invalid": 0, "recorded": 1}
    assert RawEvent.objects.get().state == "processed"
