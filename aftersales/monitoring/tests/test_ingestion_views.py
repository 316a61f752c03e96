"""The unmapped-traffic page and "map this key"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from aftersales.monitoring.ingest import TrafficEvent, record_events
from aftersales.monitoring.models import RawEvent, TrafficRollup
from aftersales.sms.models import VendorAccount

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


def unmapped_traffic(key: str, count: int, *, at: dt.datetime = NOW) -> None:
    with time_machine.travel(at, tick=False):
        record_events(
            [TrafficEvent(kind="submitted", at=at, message_id=f"{key}-{n}", api_key=key, msisdn=f"44770090{n:04d}")
             for n in range(count)],
            source="csv",
        )


def test_the_page_lists_each_key_with_counts_and_a_sample(client: Any, personas: Any) -> None:
    unmapped_traffic("ghost111", 3, at=NOW - dt.timedelta(days=2))
    unmapped_traffic("ghost111", 2)
    unmapped_traffic("ghost222", 1, at=NOW - dt.timedelta(hours=1))
    client.force_login(personas.viewer)

    response = client.get("/monitoring/unmapped/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = html.split('data-testid="unmapped-row"')[1:]
    assert ["ghost111" in rows[0], "ghost222" in rows[1]] == [True, True]  # most recently seen first
    assert 'data-testid="unmapped-count">5<' in rows[0] and 'data-testid="unmapped-count">1<' in rows[1]
    assert "2026-11-23 17:30" in rows[0]  # first seen, in the viewer's timezone (Asia/Shanghai)
    assert "ghost111-" in rows[0]  # the latest event's body
    assert "Map this key" not in html  # viewers do not map


def test_empty_page_says_everything_is_mapped(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    response = client.get("/monitoring/unmapped/")
    assert 'data-testid="unmapped-empty"' in response.content.decode()
    assert "Every key is mapped." in response.content.decode()


def test_page_cost_does_not_grow_with_keys(client: Any, personas: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(12):
        unmapped_traffic(f"many{n:04d}", 2)
    client.force_login(personas.lead)
    with django_assert_max_num_queries(12):
        response = client.get("/monitoring/unmapped/")
    assert response.content.decode().count('data-testid="unmapped-row"') == 12
    assert response.content.decode().count("Map this key") == 12


def test_a_lead_maps_a_key_and_its_events_are_recorded(client: Any, personas: Any) -> None:
    unmapped_traffic("ghost111", 3)
    client.force_login(personas.lead)

    form = client.get("/monitoring/unmapped/map/?key=ghost111")
    response = client.post("/monitoring/unmapped/map/", {
        "key": "ghost111", "customer": personas.customer.pk, "name": "Starriver UK", "kind": "vonage",
    }, follow=True)

    assert "3 stored events wait for this key." in form.content.decode()
    assert response.redirect_chain[-1][0] == "/monitoring/unmapped/"
    assert "now belongs to Starriver Tech 星河科技: 3 of 3 stored events recorded." in response.content.decode()
    account = VendorAccount.objects.get(api_key="ghost111")
    assert (account.customer, account.name) == (personas.customer, "Starriver UK")
    assert TrafficRollup.objects.get(account=account).submitted == 3
    assert not RawEvent.objects.filter(state="unmapped").exists()


def test_the_map_form_shows_its_errors(client: Any, personas: Any) -> None:
    client.force_login(personas.admin)
    missing_customer = client.post("/monitoring/unmapped/map/", {"key": "ghost111", "kind": "vonage"})
    no_key = client.post("/monitoring/unmapped/map/", {"key": "", "customer": personas.customer.pk,
                                                       "kind": "vonage"})
    assert missing_customer.status_code == 400 and "This field is required." in missing_customer.content.decode()
    assert no_key.status_code == 400 and "The key is empty." in no_key.content.decode()


def test_agents_cannot_map(client: Any, personas: Any) -> None:
    client.force_login(personas.agent)
    assert client.get("/monitoring/unmapped/map/?key=x").status_code == 403
    assert client.post("/monitoring/unmapped/map/", {"key": "x"}).status_code == 403
