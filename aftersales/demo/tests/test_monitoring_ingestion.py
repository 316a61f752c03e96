"""The ingestion demo: a traffic feed and an unknown key's traffic waiting on the unmapped page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.demo.monitoring_ingestion import UNMAPPED_KEY, load
from aftersales.monitoring.models import RawEvent, TrafficFeed

pytestmark = pytest.mark.django_db


def test_demo_has_a_feed_and_an_unmapped_key(client: Any, personas: Any) -> None:
    load(now=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC), users={"demo-admin": personas.admin},
         customers={"starriver": personas.customer})
    load(now=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC), users={"demo-admin": personas.admin},
         customers={"starriver": personas.customer})  # twice: one feed, events kept as they came

    assert TrafficFeed.objects.get().name == "JMC platform"
    assert RawEvent.objects.filter(state="unmapped", api_key=UNMAPPED_KEY).count() == 144
    client.force_login(personas.lead)
    assert UNMAPPED_KEY in client.get("/monitoring/unmapped/").content.decode()
