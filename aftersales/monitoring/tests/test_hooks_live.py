"""Delivery receipts posted by a real HTTP client (requests) to a live server, in all three Vonage
formats (GET query, POST form, POST JSON), land in the rollups; a repeat is ignored; when the
database cannot store a receipt the answer is a 503, and Vonage's retry lands."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.db import connection

from aftersales.monitoring.models import MessageRecord, RawEvent, TrafficRollup
from aftersales.sms.models import VendorAccount
from aftersales.testing.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def receipt(message_id: str, status: str = "delivered", err: str = "0") -> dict[str, str]:
    return {
        "api-key": "live1234", "messageId": message_id, "msisdn": "2348031230001", "network-code": "62130",
        "status": status, "err-code": err, "price": "0.04", "scts": "2611250910",
        "message-timestamp": "2026-11-25 09:10:29", "to": "Starriver",
    }


def test_real_http_client_posts_all_three_formats(live_server: Any) -> None:
    customer = make_customer("livecust", "Live Customer")
    account = VendorAccount.objects.create(customer=customer, name="Live", api_key="live1234")
    url = f"{live_server.url}/hooks/vonage/dlr"
    with requests.Session() as session:
        answers = [
            session.get(url, params=receipt("L-get"), timeout=10),
            session.post(url, data=receipt("L-form"), timeout=10),
            session.post(url, json=receipt("L-json", status="failed", err="6"), timeout=10),
            session.post(url, json=receipt("L-json", status="failed", err="6"), timeout=10),  # Vonage retried
        ]

    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert [a.json()["state"] for a in answers] == ["processed", "processed", "processed", "duplicate"]
    row = TrafficRollup.objects.get(account=account, country="NG", network="62130")
    assert (row.delivered, row.failed, row.errors) == (2, 1, {"6": 1})
    assert MessageRecord.objects.filter(account=account).count() == 3


def test_the_database_refusing_the_write_answers_503_and_the_retry_lands(live_server: Any) -> None:
    """Not a mock: the raw-event table is really gone while the first attempt arrives."""
    customer = make_customer("downcust", "Down Customer")
    account = VendorAccount.objects.create(customer=customer, name="Down", api_key="live1234")
    url = f"{live_server.url}/hooks/vonage/dlr"
    table = connection.ops.quote_name(RawEvent._meta.db_table)
    away = connection.ops.quote_name(f"{RawEvent._meta.db_table}_away")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {away}")
    try:
        refused = requests.post(url, data=receipt("L-down"), timeout=10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {away} RENAME TO {table}")
    retried = requests.post(url, data=receipt("L-down"), timeout=10)  # Vonage retries until a 2xx

    assert refused.status_code == 503 and refused.json()["error"] == "unavailable"
    assert retried.status_code == 200 and retried.json()["state"] == "processed"
    assert RawEvent.objects.count() == 1
    assert TrafficRollup.objects.get(account=account, country="NG", network="62130").delivered == 1
