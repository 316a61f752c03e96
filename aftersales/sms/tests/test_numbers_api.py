"""GET /api/v1/sms/numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aftersales.people.tokens import issue_token
from aftersales.sms import numbers as actions
from aftersales.sms.models import PhoneNumber

pytestmark = pytest.mark.django_db
URL = "/api/v1/sms/numbers"


def _get(user: Any, query: str = "") -> Any:
    _token, token = issue_token(user=user, name="tests", actor=None)
    return Client().get(f"{URL}{query}", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def numbers(personas: Any) -> dict[str, PhoneNumber]:
    def add(msisdn: str, url: str, customer: Any, **extra: Any) -> PhoneNumber:
        return actions.add_number(
            actor=personas.agent, customer=customer, msisdn=msisdn, inbound_webhook_url=url, **extra
        )

    made = {
        "uk": add("+442079460101", "https://hooks.example.test/in", personas.customer, monthly_cost="0.9"),
        "uk_missing": add("+442079460102", "", personas.subaccount),
        "us": add("+18335550101", "https://hooks.example.test/us", personas.other_customer, type="toll_free"),
        "short": add(
            "55501", "https://hooks.example.test/sc", personas.other_customer, type="short_code", country="US"
        ),
    }
    PhoneNumber.objects.filter(pk=made["us"].pk).update(webhook_state="failing", webhook_message="HTTP 500")
    return made


def test_a_viewer_lists_every_held_number_with_its_webhook_state(personas, numbers):
    response = _get(personas.viewer)
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["problems"]) == (4, 2)
    items = {item["msisdn"]: item for item in data["items"]}
    uk = items["442079460101"]
    assert uk["customer"] == "starriver" and uk["country"] == "GB" and uk["type"] == "long"
    assert uk["features"] == ["SMS"] and uk["monthly_cost"] == "0.9000" and uk["source"] == "manual"
    assert uk["webhook_state"] == "" and uk["vendor_account"] is None
    assert items["442079460102"]["webhook_state"] == "missing"
    assert items["18335550101"]["webhook_message"] == "HTTP 500"
    assert items["55501"]["type"] == "short_code"


def test_filters_customer_country_and_problems(personas, numbers):
    def msisdns(query: str) -> list[str]:
        response = _get(personas.agent, query)
        assert response.status_code == 200, response.content
        return sorted(item["msisdn"] for item in response.json()["items"])

    assert msisdns("?customer=starriver") == ["442079460101", "442079460102"]  # with its sub-account
    assert msisdns("?customer=starriver-sub2") == ["442079460102"]
    assert msisdns("?country=us") == ["18335550101", "55501"]
    assert msisdns("?problems=true") == ["18335550101", "442079460102"]
    assert msisdns("?customer=bluewave&problems=true") == ["18335550101"]
    actions.release_number(actor=personas.agent, number=numbers["short"])
    assert msisdns("?country=US") == ["18335550101"]
    assert msisdns("?country=US&status=released") == ["55501"]


def test_a_bad_filter_is_a_422(personas, numbers):
    response = _get(personas.agent, "?country=USA")
    assert response.status_code == 422 and "country" in response.json()["detail"]


def test_outsiders_and_anonymous_callers_are_refused(personas, numbers):
    assert Client().get(URL).status_code == 401
    from aftersales.core import clock
    from aftersales.people.models import ApiToken, hash_token

    raw = ApiToken.generate()
    ApiToken.objects.create(
        user=personas.outsider, name="x", prefix=raw[:8], token_hash=hash_token(raw), created_at=clock.now()
    )
    assert Client().get(URL, headers={"Authorization": f"Bearer {raw}"}).status_code == 403


def test_the_webhook_reason_is_a_sentence_in_the_callers_language(personas, numbers):
    PhoneNumber.objects.filter(pk=numbers["us"].pk).update(webhook_message="http:502")
    items = {item["msisdn"]: item for item in _get(personas.viewer).json()["items"]}
    assert items["18335550101"]["webhook_message"] == "The address answered HTTP 502 (a server error)."
