"""Delivery receipts posted by a real HTTP client (requests) to a live server, in all three Vonage
formats (GET query, POST form, POST JSON), land in the rollups; a repeat is ignored."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aftersales.monitoring.models import MessageRecord, TrafficRollup
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
